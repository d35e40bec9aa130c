using System.Globalization;
using System.Text.RegularExpressions;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>One SASS instruction of a <c>cuobjdump -sass</c> listing.</summary>
/// <param name="Address">Byte offset in the function.</param>
/// <param name="Opcode">The mnemonic with its modifiers, e.g. <c>LDS.128</c>, <c>MUFU.RCP</c>.</param>
/// <param name="BranchTarget">For a branch with a literal target, that offset; otherwise null.</param>
internal sealed record SassInstruction(int Address, string Opcode, int? BranchTarget);

/// <summary>A loop of the listing: from a backward branch's target to the branch (the instructions between).</summary>
internal sealed record SassLoop(int Start, int End, IReadOnlyList<SassInstruction> Body)
{
    public int Count(Func<string, bool> opcode) => Body.Count(i => opcode(i.Opcode));

    public bool Contains(SassLoop other) => Start <= other.Start && other.End <= End && this != other;
}

/// <summary>
/// Reads a SASS listing for the figures the static budgets check: FFMA per shared-memory load in a kernel's hot
/// loop, and integer-division sequences. On sm_90 an integer division or modulo by a value not known at compile
/// time compiles to a reciprocal (<c>MUFU.RCP</c>) plus a correction sequence; the float reciprocal is the mark.
/// </summary>
internal static partial class SassListing
{
    public static IReadOnlyList<SassInstruction> Parse(string sass)
    {
        var list = new List<SassInstruction>();
        foreach (Match m in InstructionLine().Matches(sass))
        {
            int address = int.Parse(m.Groups["addr"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            string opcode = m.Groups["op"].Value;
            int? target = null;
            var t = BranchTargetPattern().Match(m.Groups["rest"].Value);
            if ((opcode == "BRA" || opcode.StartsWith("BRA.", StringComparison.Ordinal)) && t.Success)
                target = int.Parse(t.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            list.Add(new SassInstruction(address, opcode, target));
        }
        return list;
    }

    /// <summary>Every loop closed by a backward branch.</summary>
    public static IReadOnlyList<SassLoop> Loops(IReadOnlyList<SassInstruction> code) =>
        code.Where(i => i.BranchTarget is { } t && t <= i.Address)
            .Select(i => new SassLoop(i.BranchTarget!.Value, i.Address,
                code.Where(x => x.Address >= i.BranchTarget!.Value && x.Address <= i.Address).ToList()))
            .ToList();

    public static bool IsFfma(string opcode) => opcode == "FFMA" || opcode.StartsWith("FFMA.", StringComparison.Ordinal);

    /// <summary>A load from shared memory (LDS, LDS.64, LDS.128, LDS.U8, ...), one instruction whatever its width.</summary>
    public static bool IsSharedLoad(string opcode) => opcode == "LDS" || opcode.StartsWith("LDS.", StringComparison.Ordinal);

    public static bool IsReciprocal(string opcode) => opcode == "MUFU.RCP";

    /// <summary>
    /// The hot loop: the innermost loop holding the most FFMA (its FFMA : LDS ratio is the figure), and the
    /// outermost loop around it (the whole reduction over K, tile loads included: no division may sit there).
    /// </summary>
    public static (SassLoop Inner, SassLoop Outer)? HotLoop(IReadOnlyList<SassInstruction> code)
    {
        var loops = Loops(code);
        if (loops.Count == 0)
            return null;
        int most = loops.Max(l => l.Count(IsFfma));
        var inner = loops.Where(l => l.Count(IsFfma) == most).OrderBy(l => l.Body.Count).First();
        var outer = loops.Where(l => l.Contains(inner)).OrderByDescending(l => l.Body.Count).FirstOrDefault() ?? inner;
        return (inner, outer);
    }

    // "        /*0450*/              @!P0 BRA 0x1f0 ;      /* 0x... */"
    [GeneratedRegex(@"/\*(?<addr>[0-9a-f]{4,})\*/\s+(?:@!?U?P[T0-9]+\s+)?(?<op>[A-Z][A-Z0-9_.]*)(?<rest>[^;]*);", RegexOptions.Multiline)]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"0x([0-9a-f]+)")]
    private static partial Regex BranchTargetPattern();
}
