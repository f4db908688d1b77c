using BenchmarkDotNet.Running;
using MLNetAttn.Benchmarks;

// dotnet run -c Release --project Benchmarks -- <suite> [options]; see Benchmarks/README.md.
return args.FirstOrDefault() switch
{
    "graph" => GraphQuality.Run(args[1..]),
    "pipeline" => PipelineThroughput.Run(args[1..]),
    "micro" => RunMicro(args[1..]),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(GraphQuality).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Benchmarks graph [--variants a,b,...] [--batch N] [--threads N] [--runs N] | pipeline [--variant shvit_s1] [--images 300] [--batches 1,8,32] [--memory 1000,10000] [--memory-batch 32] | micro [BenchmarkDotNet args]");
    return 2;
}
