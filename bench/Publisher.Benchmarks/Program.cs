if (args is ["corpus", var folder])
    return Publisher.Benchmarks.CorpusAccuracy.Run(folder);
if (args is ["smtp-ceiling", var mode, var port, var count, var connections])
    return await Publisher.Benchmarks.SmtpCeiling.RunAsync(mode, int.Parse(port), int.Parse(count), int.Parse(connections));
if (args is ["kestrel-ceiling", var file, var listen])
    return await Publisher.Benchmarks.KestrelCeiling.RunAsync(file, int.Parse(listen));
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Publisher.Benchmarks.DigestBenchmarks).Assembly).Run(args);
return 0;
