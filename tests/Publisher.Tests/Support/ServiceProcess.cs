using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Publisher.Tests.Support;

/// <summary>The service as a user starts it: its own process, listening on a real port.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    public string BaseUrl { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    private ServiceProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public static Task<ServiceProcess> StartAsync(TempSite site, params string[] extraArgs) => StartAsync(site, TimeSpan.FromSeconds(30), _ => extraArgs);

    /// <param name="within">How long it may take to answer /healthz (several starting at once on a busy machine take longer).</param>
    public static Task<ServiceProcess> StartAsync(TempSite site, TimeSpan within, params string[] extraArgs) => StartAsync(site, within, _ => extraArgs);

    /// <summary>Starts the service with arguments that may name its own address (Site:BaseUrl, for a service that sends real mail).</summary>
    public static Task<ServiceProcess> StartAsync(TempSite site, Func<string, IEnumerable<string>> extraArgsFor) =>
        StartAsync(site, TimeSpan.FromSeconds(30), extraArgsFor);

    public static async Task<ServiceProcess> StartAsync(TempSite site, TimeSpan within, Func<string, IEnumerable<string>> extraArgsFor)
    {
        int port = Loopback.FreePort();
        string baseUrl = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = site.Root,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(RepoPaths.PublisherDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl);
        foreach (var (k, v) in site.Settings(baseUrl: null)) if (v is not null) start.ArgumentList.Add($"--{k}={v}");
        foreach (var a in extraArgsFor(baseUrl)) start.ArgumentList.Add(a);
        var service = new ServiceProcess(Process.Start(start)!, baseUrl);
        service._process.OutputDataReceived += (_, e) => { lock (service._log) service._log.AppendLine(e.Data); };
        service._process.ErrorDataReceived += (_, e) => { lock (service._log) service._log.AppendLine(e.Data); };
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (service._process.HasExited) throw new InvalidOperationException("The service exited at start:\n" + service.Log);
            try
            {
                if ((await http.GetAsync(baseUrl + "/healthz")).StatusCode == HttpStatusCode.OK) return service;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        await service.DisposeAsync();
        throw new TimeoutException($"The service did not answer /healthz within {within.TotalSeconds:N0} s:\n" + service.Log);
    }

    public int Id => _process.Id;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGTERM, as a deploy or `docker stop` sends; returns the exit code once the process has exited.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        if (kill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed: {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown, no flushing, as a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
