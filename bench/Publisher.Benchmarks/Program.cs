BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Publisher.Benchmarks.DigestBenchmarks).Assembly).Run(args);
