if (args is ["corpus", var folder])
    return Publisher.Benchmarks.CorpusAccuracy.Run(folder);
if (args is ["smtp-ceiling", var mode, var port, var count, var connections])
    return await Publisher.Benchmarks.SmtpCeiling.RunAsync(mode, int.Parse(port), int.Parse(count), int.Parse(connections));
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Publisher.Benchmarks.DigestBenchmarks).Assembly).Run(args);
return 0;
