using System.Reflection;
using System.Xml.Linq;

namespace ShuffleNetGpu.Tests;

/// <summary>
/// The four library packages carry XML documentation (IntelliSense): each assembly's <c>.xml</c> is built beside it
/// (and copied here with it), and documents every public type. The compiler (CS1591, an error here) already requires a
/// comment on every public member once the file is generated; this test fails if generation is switched off again.
/// </summary>
public class LibraryDocumentationTests
{
    public static TheoryData<string> Libraries =>
        ["ShuffleNetGpu.Kernels", "ShuffleNetGpu.Networks", "ShuffleNetGpu.Converter", "ShuffleNetGpu.Runtime", "ShuffleNetGpu.Serving"];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void EveryPublicTypeIsInTheLibrarysXmlDocumentation(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        string xml = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(xml), $"{Path.GetFileName(xml)} is not built beside {Path.GetFileName(assembly.Location)}: is GenerateDocumentationFile on?");

        var documented = XDocument.Load(xml).Descendants("member")
            .Where(m => m.Element("summary") is not null || m.Element("inheritdoc") is not null)
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet();
        var missing = assembly.GetExportedTypes()
            .Select(t => "T:" + t.FullName!.Replace('+', '.'))
            .Where(id => !documented.Contains(id))
            .ToList();
        Assert.True(missing.Count == 0, $"{assemblyName}: public types without a <summary>: {string.Join(", ", missing)}");
    }
}
