using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Faults;
using Publisher.Tests.Support;

// Usage: dotnet run -c Release --project bench/faults -- SCENARIO [--runs N] [--subscribers N] [--minutes M]
// SCENARIO: deploy | crash-loop | outage | all. Needs the published service: bench/faults/run.sh does both.
var options = Options.Parse(args);
string dll = Path.GetFullPath(Environment.GetEnvironmentVariable("PUBLISHER_DLL") ?? "bench/out/faults/publisher/Publisher.dll");
if (!File.Exists(dll)) { Console.Error.WriteLine($"{dll} is missing: run bench/faults/run.sh, which publishes it"); return 2; }
var scenarios = options.Scenario == "all" ? ["deploy", "crash-loop", "outage"] : new[] { options.Scenario };
Console.WriteLine("| fault | runs | messages | lost | doubled | Unknown | time to finish |");
Console.WriteLine("|---|---|---|---|---|---|---|");
int failures = 0;
foreach (var scenario in scenarios)
{
    var results = new List<Run.Result>();
    for (int i = 1; i <= options.Runs; i++)
    {
        var result = await new Run(dll, options, seed: i).ExecuteAsync(scenario);
        Console.Error.WriteLine($"{scenario} run {i}: {result}");
        results.Add(result);
    }
    failures += results.Count(r => r.Lost > 0 || r.Doubled > 0 || !r.UnknownWithinBound);
    Console.WriteLine($"| {results[0].Name} | {results.Count} | {results.Sum(r => r.Messages):N0} | {results.Sum(r => r.Lost)} | {results.Sum(r => r.Doubled)} | " +
        $"{string.Join(", ", results.Select(r => r.Unknown))} (at most {results[0].UnknownBound} each) | " +
        $"{string.Join(", ", results.Select(r => $"{r.Elapsed.TotalSeconds:N0} s"))} |");
}
return failures == 0 ? 0 : 1;

internal sealed record Options(string Scenario, int Runs, int? Subscribers, double Minutes)
{
    public static Options Parse(string[] args)
    {
        string scenario = args.FirstOrDefault(a => !a.StartsWith("--")) ?? "all";
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(scenario, int.Parse(Value("--runs") ?? "1"), Value("--subscribers") is { } n ? int.Parse(n) : null,
            double.Parse(Value("--minutes") ?? "10", System.Globalization.CultureInfo.InvariantCulture));
    }
}
