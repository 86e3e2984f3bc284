if (args is ["corpus", var folder])
    return Publisher.Benchmarks.CorpusAccuracy.Run(folder);
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Publisher.Benchmarks.DigestBenchmarks).Assembly).Run(args);
return 0;
