using System.Net;
using System.Net.Sockets;

namespace Publisher.Tests.Support;

/// <summary>What the tests' servers on 127.0.0.1 share: a free port, and the settings that point the service at an SMTP server.</summary>
public static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Settings that send the service's mail to an SMTP server on <paramref name="port"/>, with the short timeouts tests want.</summary>
    public static Dictionary<string, string?> SmtpSettings(int port, int maxConnections, int timeoutSeconds) => new()
    {
        ["Publisher:Smtp:Host"] = "127.0.0.1",
        ["Publisher:Smtp:Port"] = port.ToString(),
        ["Publisher:Smtp:Security"] = "None",
        ["Publisher:Smtp:From"] = "政务公开 <digest@feeds.example.test>",
        ["Publisher:Smtp:MaxConnections"] = maxConnections.ToString(),
        ["Publisher:Smtp:RetryDelayMilliseconds"] = "50",
        ["Publisher:Smtp:TimeoutSeconds"] = timeoutSeconds.ToString(),
    };
}
