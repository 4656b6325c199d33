using System.Net.Sockets;
using Azure;

namespace EquiGrid.TrialRunner;

/// <summary>Tells "checkpoint storage could not be reached" (an infrastructure failure) from the trainer's own errors.</summary>
internal static class StorageErrors
{
    /// <summary>True when <paramref name="e"/> or an exception inside it is a blob service or network failure.</summary>
    public static bool IsUnreachable(Exception e) => e switch
    {
        RequestFailedException or HttpRequestException or SocketException => true,
        AggregateException a => a.InnerExceptions.Any(IsUnreachable),
        { InnerException: { } inner } => IsUnreachable(inner),
        _ => false,
    };

    /// <summary>The first line of the message.</summary>
    public static string FirstLine(Exception e)
    {
        var end = e.Message.IndexOfAny(['\r', '\n']);
        return end < 0 ? e.Message : e.Message[..end];
    }
}
