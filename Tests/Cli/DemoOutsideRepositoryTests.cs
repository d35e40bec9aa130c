namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Issue 19 item 13: the demo carries its files, so the installed tool runs it from any folder.</summary>
public sealed class DemoOutsideRepositoryTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("shufflenet-demo-outside-").FullName;
    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheDemoRunsFromACopyOfTheProgramOutsideTheRepository()
    {
        // The program's files and this platform's native libraries (runtimes/RID/: Skia's JPEG decoder) without the
        // fixtures/ folder the tests carry: what a tool install holds.
        string program = Directory.CreateDirectory(Path.Combine(_root, "program")).FullName;
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
            File.Copy(file, Path.Combine(program, Path.GetFileName(file)));
        string runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);
        foreach (var file in Directory.GetFiles(runtimes, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(program, Path.GetRelativePath(AppContext.BaseDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        string work = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;

        var (code, output, error) = CliProcess.Run(Path.Combine(program, "shufflenet.dll"), work, TimeSpan.FromMinutes(3), "demo", "--backend", "cpu");

        Assert.True(code == 0, output + error);
        Assert.Contains("(match, tolerance 1e-4)", output);
        Assert.Contains("logo.png", output);
        Assert.Empty(Directory.GetFileSystemEntries(work));
    }
}
