using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Publisher.Faults;

/// <summary>One process of the published service, as a deploy runs it; its log is kept for when a run goes wrong.</summary>
public sealed class ServiceHost : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789";
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    public HttpClient Admin { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    private ServiceHost(Process process, string baseUrl)
    {
        _process = process;
        Admin = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public static async Task<ServiceHost> StartAsync(string dll, string dataPath, IEnumerable<string> settings)
    {
        int port = Publisher.Tests.Support.Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--urls", $"http://127.0.0.1:{port}", $"--Publisher:DataPath={dataPath}",
                     $"--Publisher:ArticlesPath={Path.Combine(dataPath, "..", "articles")}", $"--Publisher:AdminApiKey={AdminKey}",
                     "--Publisher:Site:BaseUrl=http://bench.example.org", "--Logging:Console:TimestampFormat=HH:mm:ss.fff " })
            start.ArgumentList.Add(a);
        foreach (var s in settings) start.ArgumentList.Add(s);
        var host = new ServiceHost(Process.Start(start)!, $"http://127.0.0.1:{port}");
        host._process.OutputDataReceived += (_, e) => { lock (host._log) host._log.AppendLine(e.Data); };
        host._process.ErrorDataReceived += (_, e) => { lock (host._log) host._log.AppendLine(e.Data); };
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (host._process.HasExited) throw new InvalidOperationException("the service exited at start:\n" + host.Log);
            try { if ((await host.Admin.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return host; }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("the service did not start:\n" + host.Log);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGTERM; the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async Task<JsonElement> DigestAsync(int id) => await Admin.GetFromJsonAsync<JsonElement>($"/api/digests/{id}");

    public static int Count(JsonElement digest, string state) => digest.GetProperty("counts").GetProperty(state).GetInt32();

    public async Task<JsonElement> WaitFinishedAsync(int id, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var digest = await DigestAsync(id);
            if (Count(digest, "pending") == 0 && Count(digest, "sending") == 0) return digest;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"digest {id} not finished: {digest}");
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(); await _process.WaitForExitAsync(); }
        _process.Dispose();
        Admin.Dispose();
    }
}
