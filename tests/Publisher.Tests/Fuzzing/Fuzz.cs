using Xunit.Sdk;

namespace Publisher.Tests.Fuzzing;

/// <summary>Runs a check over a fixed number of mutated inputs; a failure names the input's seed and number and saves it for a rerun.</summary>
public static class Fuzz
{
    public static async Task RunAsync(string target, int seed, int inputs, IReadOnlyList<byte[]> samples, Func<byte[], Task> check)
    {
        var mutator = new Mutator(seed, samples);
        for (int i = 0; i < inputs; i++)
        {
            var input = mutator.Next();
            try
            {
                await check(input);
            }
            catch (Exception ex)
            {
                string file = Path.Combine(Path.GetTempPath(), $"fuzz-{target}-seed{seed}-{i}.bin");
                await File.WriteAllBytesAsync(file, input);
                throw new XunitException($"{target}: input {i} of seed {seed} ({input.Length:N0} bytes, saved to {file}) failed:\n{ex}");
            }
        }
    }

    public static Task RunAsync(string target, int seed, int inputs, IReadOnlyList<byte[]> samples, Action<byte[]> check) =>
        RunAsync(target, seed, inputs, samples, input => { check(input); return Task.CompletedTask; });
}
