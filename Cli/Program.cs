using ShuffleNetGpu.Cli;

return ShuffleNetCli.Run(args, Console.Out, Console.Error);
