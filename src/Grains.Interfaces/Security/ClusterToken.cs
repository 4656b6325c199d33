namespace EquiGrid.Grains.Security;

/// <summary>
/// The shared cluster token. Clients put it in the Orleans request context under <see cref="RequestContextKey"/>;
/// the silo's incoming call filter rejects calls from clients that do not carry the configured value.
/// </summary>
public static class ClusterToken
{
    /// <summary>Request-context key of the token.</summary>
    public const string RequestContextKey = "equigrid-token";

    /// <summary>Environment variable the CLI and the silo read the token from.</summary>
    public const string EnvironmentVariable = "EQUIGRID_TOKEN";

    /// <summary>Compares two tokens in constant time (no early exit that leaks the matching prefix length).</summary>
    public static bool Matches(string? expected, string? presented)
    {
        if (expected is null || presented is null) return false;
        var a = System.Text.Encoding.UTF8.GetBytes(expected);
        var b = System.Text.Encoding.UTF8.GetBytes(presented);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(a, b);
    }
}
