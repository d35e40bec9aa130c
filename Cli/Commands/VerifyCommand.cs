using System.CommandLine;
using System.Diagnostics;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Runtime.Verification;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// Runs the shipped reference cases (one tiny model per family, made with the upstream PyTorch code) on the chosen
/// backends and prints each logits error against PyTorch's float64 logits: the first thing to run on a new machine.
/// </summary>
static class VerifyCommand
{
    /// <summary>The fixtures README's tolerance on relative L2 error of the logits.</summary>
    public const double Tolerance = 1e-4;

    public static Command Create(TextWriter output)
    {
        var backends = BackendListOption.Create();
        var fixtures = new Option<string?>("--fixtures") { Description = "The folder of cases (default: fixtures/tiny of the repository or bundle)." };
        var precision = PrecisionOption.Create();
        var command = new Command("verify", "Check every shipped reference case (one per family) against PyTorch's logits on each backend (--precision tf32: the TF32 rule, relative L2 <= 1e-2 and the same top-1).")
        {
            backends, fixtures, precision,
        };
        command.SetAction(parse =>
        {
            string tiny = parse.GetValue(fixtures) ?? Path.Combine(ShippedFixtures.FindRoot("tiny-shufflenetv2"), "fixtures", "tiny");
            var cases = ShippedFixtures.Cases(tiny);
            var kinds = BackendListOption.Select(parse.GetValue(backends)!, output);
            int failures = 0;
            output.WriteLine($"{"case",-28} {"backend",-10} {"rel. L2 error",13} {"ms",8}  result");
            foreach (var kind in kinds)
            {
                using (var device = ComputeDevice.Create(kind))   // fail here, once, if the backend cannot start
                    output.WriteLine($"# {kind.ToName()}: {device.Description}");
                foreach (var dir in cases)
                {
                    string id = Path.GetFileName(dir);
                    var weights = CheckpointConverter.Convert(Path.Combine(dir, "checkpoint.pth.tar"));
                    var (_, input) = NpyFile.Read(Path.Combine(dir, "input.npy"));
                    var (_, expected) = NpyFile.Read(Path.Combine(dir, "logits.npy"));
                    using var net = ShuffleNet.FromWeights(weights, new ShuffleNetOptions { Backend = kind, Precision = parse.GetValue(precision) });
                    long start = Stopwatch.GetTimestamp();
                    var logits = net.Run(input);
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    double error = logits.Length == expected.Length ? RelativeError.L2(logits, expected) : double.PositiveInfinity;
                    bool tf32 = parse.GetValue(precision) == Precision.Tf32;
                    bool ok = tf32
                        ? logits.Length == expected.Length && Tf32Tolerance.Holds(logits, expected, weights.Config.NumClasses)
                        : error <= Tolerance;
                    if (!ok) failures++;
                    string rule = tf32 ? $"tf32 rule: rel. L2 <= {Tf32Tolerance.MaxRelativeL2:E0}, same top-1" : $"tolerance {Tolerance:E0}";
                    output.WriteLine($"{id,-28} {kind.ToName(),-10} {error,13:E2} {ms,8:F1}  {(ok ? "ok" : $"FAIL ({rule})")}");
                }
            }
            output.WriteLine(failures == 0 ? $"all {cases.Count * kinds.Count} checks passed" : $"{failures} of {cases.Count * kinds.Count} checks FAILED");
            return failures == 0 ? 0 : 1;
        });
        return command;
    }

}
