using System.Numerics;
using System.Text;

namespace ShuffleNetGpu.Converter.Torch;

/// <summary>A pickle reader that treats the pickle as data, never as a program. It knows only the opcodes
/// torch.save's protocol-2 pickles use (plus Python 2's byte strings) and fails on any other; GLOBAL yields a
/// name checked against <see cref="TorchGlobals"/>; REDUCE and BUILD are interpreted there, as data.
/// Every size the input claims is bounded before anything is allocated, and each opcode consumes input, so a
/// pickle of n bytes runs at most n steps.</summary>
internal sealed class RestrictedUnpickler
{
    public const int MaxStackItems = 1 << 20;
    public const int MaxMarkDepth = 1 << 12;
    public const int MaxMemoEntries = 1 << 20;
    public const int MaxStringBytes = 1 << 20;
    public const int MaxContainerItems = 1 << 22;
    public const long MaxDictKeyChars = 64 << 20;   // string keys are hashed on insert: bounds that work
    private const int MaxGlobalNameBytes = 256;
    private const int HighestProtocol = 5;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly BoundedReader _input;
    private readonly Func<object?, object>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];           // stack heights at each open MARK
    private readonly Dictionary<long, object?> _memo = [];
    private long _dictKeyChars;                       // characters of all string keys set so far

    private RestrictedUnpickler(BoundedReader input, Func<object?, object>? persistentLoad)
    {
        _input = input;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Reads one pickle, up to and including its STOP. <paramref name="what"/> names it in errors
    /// ("the object pickle"); <paramref name="persistentLoad"/> handles BINPERSID (null: refused).</summary>
    public static object? Load(BoundedReader input, string what, Func<object?, object>? persistentLoad)
    {
        var machine = new RestrictedUnpickler(input, persistentLoad);
        long opOffset = input.Position;
        try
        {
            return machine.Run(ref opOffset);
        }
        catch (TorchFormatError e)
        {
            throw new TorchFormatError($"{e.Message} (in {what}, opcode at byte {opOffset})");
        }
    }

    private object? Run(ref long opOffset)
    {
        while (true)
        {
            opOffset = _input.Position;
            byte op = _input.ReadByte();
            switch (op)
            {
                case Op.Proto:
                    if (_input.ReadByte() > HighestProtocol) throw new TorchFormatError("unknown pickle protocol");
                    break;
                case Op.Frame:                      // protocol 4 framing: only a length hint
                    _input.Need(_input.ReadInt64());
                    break;
                case Op.Stop:
                    if (_marks.Count != 0 || _stack.Count != 1)
                        throw new TorchFormatError($"STOP with {_stack.Count} values and {_marks.Count} open marks, expected exactly one value");
                    return _stack[0];

                case Op.Mark:
                    if (_marks.Count >= MaxMarkDepth) throw new TorchFormatError($"more than {MaxMarkDepth} nested marks");
                    _marks.Add(_stack.Count);
                    break;
                case Op.None: Push(null); break;
                case Op.NewTrue: Push(true); break;
                case Op.NewFalse: Push(false); break;
                case Op.BinInt: Push((long)_input.ReadInt32()); break;
                case Op.BinInt1: Push((long)_input.ReadByte()); break;
                case Op.BinInt2: Push((long)_input.ReadUInt16()); break;
                case Op.Long1: Push(ReadLong(_input.ReadByte())); break;
                case Op.BinFloat: Push(_input.ReadDoubleBigEndian()); break;
                case Op.BinUnicode: Push(ReadString(_input.ReadUInt32(), StrictUtf8)); break;
                case Op.ShortBinUnicode: Push(ReadString(_input.ReadByte(), StrictUtf8)); break;
                case Op.BinString: Push(ReadString(_input.ReadInt32(), Encoding.Latin1)); break;   // Python 2 str
                case Op.ShortBinString: Push(ReadString(_input.ReadByte(), Encoding.Latin1)); break;

                case Op.EmptyTuple: Push(PickleTuple.Empty); break;
                case Op.Tuple: Push(new PickleTuple(PopMark())); break;
                case Op.Tuple1: Push(new PickleTuple(PopN(1))); break;
                case Op.Tuple2: Push(new PickleTuple(PopN(2))); break;
                case Op.Tuple3: Push(new PickleTuple(PopN(3))); break;
                case Op.EmptyList: Push(new PickleList()); break;
                case Op.EmptyDict: Push(new PickleDict(isOrderedDict: false)); break;
                case Op.Append:
                {
                    object? value = Pop();
                    AddToList(Peek(), [value]);
                    break;
                }
                case Op.Appends:
                {
                    object?[] values = PopMark();
                    AddToList(Peek(), values);
                    break;
                }
                case Op.SetItem:
                {
                    object?[] pair = PopN(2);
                    AddToDict(Peek(), pair);
                    break;
                }
                case Op.SetItems:
                {
                    object?[] pairs = PopMark();
                    AddToDict(Peek(), pairs);
                    break;
                }

                case Op.BinPut: MemoPut(_input.ReadByte()); break;
                case Op.LongBinPut: MemoPut(_input.ReadUInt32()); break;
                case Op.Memoize: MemoPut(_memo.Count); break;
                case Op.BinGet: Push(MemoGet(_input.ReadByte())); break;
                case Op.LongBinGet: Push(MemoGet(_input.ReadUInt32())); break;

                case Op.Global:
                {
                    string module = ReadLine();
                    string name = ReadLine();
                    if (!TorchGlobals.IsAllowed(module + "." + name) && _stack.Count - Floor == 1 && _stack[^1] is "module")
                        throw TorchGlobals.PickledModule(module + "." + name);   // inside ('module', class, ...)
                    Push(TorchGlobals.Resolve(module, name));
                    break;
                }
                case Op.Reduce:
                {
                    object?[] callableAndArgs = PopN(2);
                    Push(TorchGlobals.Reduce(callableAndArgs[0], callableAndArgs[1]));
                    break;
                }
                case Op.Build:
                {
                    object? state = Pop();
                    TorchGlobals.Build(Peek(), state);
                    break;
                }
                case Op.BinPersId:
                {
                    object? pid = Pop();
                    if (_persistentLoad is null) throw new TorchFormatError("a persistent id where none is expected");
                    Push(_persistentLoad(pid));
                    break;
                }
                default:
                    throw new TorchFormatError($"unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    // --- stack -------------------------------------------------------------------------------------------

    private int Floor => _marks.Count > 0 ? _marks[^1] : 0;

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStackItems) throw new TorchFormatError($"more than {MaxStackItems} values on the pickle stack");
        _stack.Add(value);
    }

    private object? Pop()
    {
        object? top = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return top;
    }

    private object? Peek()
    {
        if (_stack.Count <= Floor) throw new TorchFormatError("an opcode needs a value but the stack is empty");
        return _stack[^1];
    }

    private object?[] PopN(int count)
    {
        if (_stack.Count - Floor < count) throw new TorchFormatError($"an opcode needs {count} values but the stack holds {_stack.Count - Floor}");
        return Take(_stack.Count - count);
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw new TorchFormatError("an opcode needs a MARK but there is none");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        return Take(mark);
    }

    private object?[] Take(int from)
    {
        var items = _stack.GetRange(from, _stack.Count - from).ToArray();
        _stack.RemoveRange(from, _stack.Count - from);
        return items;
    }

    private static void AddToList(object? target, object?[] values)
    {
        if (target is not PickleList list) throw new TorchFormatError($"APPEND to {PickleValues.Describe(target)}, expected a list");
        if (list.Items.Count > MaxContainerItems - values.Length) throw new TorchFormatError($"a list of more than {MaxContainerItems} items");
        list.Items.AddRange(values);
    }

    private void AddToDict(object? target, object?[] keysAndValues)
    {
        if (target is not PickleDict dict) throw new TorchFormatError($"SETITEM on {PickleValues.Describe(target)}, expected a dict");
        if (keysAndValues.Length % 2 != 0) throw new TorchFormatError("SETITEMS with an odd number of values");
        if (dict.Count > MaxContainerItems - keysAndValues.Length / 2) throw new TorchFormatError($"a dict of more than {MaxContainerItems} items");
        for (int i = 0; i < keysAndValues.Length; i += 2)
        {
            // One long memoized key set over and over would cost its length in hashing each time.
            if (keysAndValues[i] is string key && (_dictKeyChars += key.Length) > MaxDictKeyChars)
                throw new TorchFormatError($"dict keys add up to more than {MaxDictKeyChars} characters");
            dict.Set(keysAndValues[i], keysAndValues[i + 1]);
        }
    }

    // --- memo --------------------------------------------------------------------------------------------

    private void MemoPut(long index)
    {
        object? value = Peek();
        if (_memo.Count >= MaxMemoEntries && !_memo.ContainsKey(index)) throw new TorchFormatError($"more than {MaxMemoEntries} memo entries");
        _memo[index] = value;
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out object? value) ? value : throw new TorchFormatError($"memo entry {index} is read before it is written");

    // --- scalars -----------------------------------------------------------------------------------------

    private object ReadLong(int byteCount)
    {
        if (byteCount == 0) return 0L;
        var value = new BigInteger(_input.ReadSpan(byteCount), isUnsigned: false, isBigEndian: false);
        if (value >= long.MinValue && value <= long.MaxValue) return (long)value;   // (not ?:, which would box a BigInteger)
        return value;
    }

    private string ReadString(long byteCount, Encoding encoding)
    {
        if (byteCount < 0 || byteCount > MaxStringBytes) throw new TorchFormatError($"a string of {byteCount} bytes (at most {MaxStringBytes})");
        var bytes = _input.ReadSpan((int)byteCount);
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new TorchFormatError("a string is not valid UTF-8");
        }
    }

    // GLOBAL's operands: "module\n" then "name\n", printable ASCII.
    private string ReadLine()
    {
        var text = new StringBuilder();
        while (true)
        {
            byte b = _input.ReadByte();
            if (b == (byte)'\n') return text.ToString();
            if (b < 0x20 || b > 0x7e) throw new TorchFormatError("a GLOBAL name holds a byte that is not printable ASCII");
            if (text.Length >= MaxGlobalNameBytes) throw new TorchFormatError($"a GLOBAL name longer than {MaxGlobalNameBytes} bytes");
            text.Append((char)b);
        }
    }

    /// <summary>The opcodes understood (names as in CPython's pickle.py).</summary>
    private static class Op
    {
        public const byte Mark = (byte)'(', Stop = (byte)'.', None = (byte)'N';
        public const byte BinInt = (byte)'J', BinInt1 = (byte)'K', BinInt2 = (byte)'M', BinFloat = (byte)'G';
        public const byte BinString = (byte)'T', ShortBinString = (byte)'U', BinUnicode = (byte)'X';
        public const byte Append = (byte)'a', Appends = (byte)'e', Build = (byte)'b', Global = (byte)'c';
        public const byte EmptyDict = (byte)'}', EmptyList = (byte)']', EmptyTuple = (byte)')', Tuple = (byte)'t';
        public const byte SetItem = (byte)'s', SetItems = (byte)'u', Reduce = (byte)'R', BinPersId = (byte)'Q';
        public const byte BinGet = (byte)'h', LongBinGet = (byte)'j', BinPut = (byte)'q', LongBinPut = (byte)'r';
        public const byte Proto = 0x80, Tuple1 = 0x85, Tuple2 = 0x86, Tuple3 = 0x87, NewTrue = 0x88, NewFalse = 0x89;
        public const byte Long1 = 0x8a, ShortBinUnicode = 0x8c, Memoize = 0x94, Frame = 0x95;
    }
}
