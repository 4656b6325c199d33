using EquiGrid.Grains.Security;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Silo.Security;

/// <summary>
/// Rejects grain calls from clients that do not carry the cluster token. Calls between grains inside the cluster are
/// trusted (they come from silos that joined through the membership store); everything arriving through the gateway
/// from an external client must present the token. With no token configured the filter admits everything and the
/// silo logs a warning at start-up (the embedded profile listens on loopback only). Orleans' own system targets
/// (membership, manifest) are not application grains and stay outside the filter.
/// </summary>
public sealed class ClusterTokenFilter(string? expectedToken, ILogger<ClusterTokenFilter> logger) : IIncomingGrainCallFilter
{
    /// <inheritdoc />
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (expectedToken is null || context.Grain is not Grain || !FromClient(context)) return context.Invoke();
        var presented = RequestContext.Get(ClusterToken.RequestContextKey) as string;
        if (ClusterToken.Matches(expectedToken, presented)) return context.Invoke();
        logger.LogWarning("Rejected {Interface}.{Method} from {Source}: {Reason}", context.InterfaceName, context.MethodName, context.SourceId,
            presented is null ? "no cluster token" : "wrong cluster token");
        throw new UnauthorizedAccessException("the cluster rejected the call: missing or wrong cluster token (set EQUIGRID_TOKEN or --token)");
    }

    private static bool FromClient(IIncomingGrainCallContext context) =>
        context.SourceId is { } source && GrainTypePrefix.IsClient(source);
}
