using System.Numerics;
using System.Text;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>The restricted unpickler's limits and refusals, over hand-written pickles.</summary>
[TestClass]
public sealed class RestrictedUnpicklerTests
{
    private static object? Load(byte[] pickle) => new RestrictedUnpickler(pickle, "/tmp/unit.pth").Load();

    private static byte[] P(params object[] parts)
    {
        var b = new List<byte>();
        foreach (object part in parts)
            switch (part)
            {
                case byte x: b.Add(x); break;
                case char c: b.Add((byte)c); break;
                case string s: b.AddRange(Encoding.ASCII.GetBytes(s)); break;
                case byte[] a: b.AddRange(a); break;
                case int i: b.AddRange(BitConverter.GetBytes(i)); break;
                default: throw new ArgumentException(part.GetType().Name);
            }
        return [.. b];
    }

    private static string Refusal(byte[] pickle) => Assert.ThrowsExactly<CheckpointFormatException>(() => Load(pickle)).Message;

    [TestMethod]
    public void PlainData_IsBuilt()
    {
        // {'a': [1, -2, 2**70, 0.5, None, True, (b'\x01',)]} in protocol 2 / 3 opcodes.
        byte[] big = BigInteger.Pow(2, 70).ToByteArray(); // little-endian two's complement, as LONG1
        object? v = Load(P((byte)0x80, (byte)2, '}', 'X', 1, "a", ']', '(', 'K', (byte)1, 'J', -2, (byte)0x8a, (byte)big.Length, big,
            'G', BitConverter.GetBytes(0.5).Reverse().ToArray(), 'N', (byte)0x88, 'C', (byte)1, (byte)1, (byte)0x85, 'e', 's', '.'));
        var dict = (PickleDict)v!;
        Assert.IsTrue(dict.TryGet("a", out object? list));
        var items = ((PickleList)list!).Items;
        Assert.AreEqual(1L, items[0]);
        Assert.AreEqual(-2L, items[1]);
        Assert.AreEqual(BigInteger.Pow(2, 70), items[2]);
        Assert.AreEqual(0.5, items[3]);
        Assert.IsNull(items[4]);
        Assert.AreEqual(true, items[5]);
        CollectionAssert.AreEqual(new byte[] { 1 }, (byte[])((PickleTuple)items[6]!).Items[0]!);
    }

    [TestMethod]
    public void Long1_IsSignExtended()
    {
        Assert.AreEqual(-32768L, Load(P((byte)0x80, (byte)2, (byte)0x8a, (byte)2, (byte)0x00, (byte)0x80, '.')));
        Assert.AreEqual(255L, Load(P((byte)0x80, (byte)2, (byte)0x8a, (byte)2, (byte)0xff, (byte)0x00, '.')));
        Assert.AreEqual(0L, Load(P((byte)0x80, (byte)2, (byte)0x8a, (byte)0, '.')));
    }

    [TestMethod]
    public void DeepMarks_AreRefused()
    {
        byte[] marks = Enumerable.Repeat((byte)'(', RestrictedUnpickler.MaxMarkDepth + 1).ToArray();
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, marks)), $"more than {RestrictedUnpickler.MaxMarkDepth} nested MARKs");
    }

    [TestMethod]
    public void HugeString_IsRefusedBeforeReading()
    {
        string m = Refusal(P((byte)0x80, (byte)2, 'X', int.MaxValue, "abc"));
        StringAssert.Contains(m, $"a {int.MaxValue}-byte string, longer than the {RestrictedUnpickler.MaxStringBytes}-byte limit");
        StringAssert.Contains(m, "checkpoint 'unit.pth'");
    }

    [TestMethod]
    public void DeepTuples_AreRefused()
    {
        // Nested tuples need no MARK (TUPLE1 over TUPLE1 ...); as dict keys they would be hashed recursively.
        byte[] nest = Enumerable.Repeat((byte)0x85, RestrictedUnpickler.MaxTupleDepth + 1).ToArray();
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, 'N', nest, '.')), $"tuples nested more than {RestrictedUnpickler.MaxTupleDepth} deep");
    }

    [TestMethod]
    public void SelfReferencingList_IsHarmless()
    {
        // l = []; l.append(l): memo makes a cycle; nothing walks it.
        var list = (PickleList)Load(P((byte)0x80, (byte)2, ']', 'q', (byte)0, 'h', (byte)0, 'a', '.'))!;
        Assert.AreSame(list, list.Items[0]);
    }

    [TestMethod]
    public void TruncatedPickle_IsRefused() =>
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, '}', 'X', 5, "ab")), "the pickle ends early");

    [TestMethod]
    public void UnknownMemo_IsRefused() =>
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, 'h', (byte)9, '.')), "a memo lookup of 9, which was never stored");

    [TestMethod]
    public void UnbalancedStop_IsRefused() =>
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, 'N', 'N', '.')), "STOP with an unbalanced stack");

    [TestMethod]
    public void OldProtocol_IsRefused() =>
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)1, 'N', '.')), "pickle protocol 1 is not one torch.save writes");

    [TestMethod]
    [DataRow("os", "system")]
    [DataRow("subprocess", "Popen")]
    [DataRow("builtins", "getattr")]
    [DataRow("torch", "load")]
    [DataRow("torch._utils", "_rebuild_device_tensor_from_numpy")]
    [DataRow("collections", "defaultdict")]
    public void ForeignGlobal_IsRefusedAtTheGlobalOpcode(string module, string name)
    {
        // Refused as soon as it is named: the argument and REDUCE that follow are never reached.
        string m = Refusal(P((byte)0x80, (byte)2, 'c', $"{module}\n{name}\n", ')', 'R', '.'));
        StringAssert.Contains(m, $"checkpoint 'unit.pth' refers to global '{module}.{name}', which a tensor checkpoint never needs; refusing to load it");
    }

    [TestMethod]
    public void StorageType_IsNotCallable() =>
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, 'c', "torch\nFloatStorage\n", ')', 'R', '.')),
            "call of torch.FloatStorage with 0 arguments of a form torch.save never writes");

    [TestMethod]
    public void StorageKeyWithPath_IsRefused()
    {
        string m = Refusal(P((byte)0x80, (byte)2, '(', 'X', 7, "storage", 'c', "torch\nFloatStorage\n", 'X', 4, "../x", 'X', 3, "cpu", 'K', (byte)1, 't', 'Q', '.'));
        StringAssert.Contains(m, "a storage key '../x' that is not a plain name");
    }

    [TestMethod]
    public void NamespaceArguments_AreKeptInert()
    {
        // argparse.Namespace() then BUILD {'lr': 0.1}: recorded, never constructed.
        object? v = Load(P((byte)0x80, (byte)2, 'c', "argparse\nNamespace\n", ')', (byte)0x81, '}', 'X', 2, "lr", 'K', (byte)3, 's', 'b', '.'));
        var o = (PickleObject)v!;
        Assert.AreEqual("argparse.Namespace", o.TypeName);
        Assert.IsTrue(((PickleDict)o.State!).TryGet("lr", out object? lr));
        Assert.AreEqual(3L, lr);
    }

    [TestMethod]
    public void Protocol2Bytes_AreDecodedWithoutCallingAnything()
    {
        // Protocol 2 writes b'hi\xff' as _codecs.encode('hi\xff', 'latin1'); only that encoding is emulated.
        byte[] text = Encoding.UTF8.GetBytes("hi\u00ff");
        object? v = Load(P((byte)0x80, (byte)2, 'c', "_codecs\nencode\n", 'X', text.Length, text, 'X', 6, "latin1", (byte)0x86, 'R', '.'));
        CollectionAssert.AreEqual(new byte[] { (byte)'h', (byte)'i', 0xff }, (byte[])v!);
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, 'c', "_codecs\nencode\n", 'X', 2, "hi", 'X', 5, "rot13", (byte)0x86, 'R', '.')),
            "call of _codecs.encode with 2 arguments of a form torch.save never writes");
    }

    [TestMethod]
    public void NewObjOfOrderedDict_IsRefused() =>
        StringAssert.Contains(Refusal(P((byte)0x80, (byte)2, 'c', "collections\nOrderedDict\n", ')', (byte)0x81, '.')),
            "NEWOBJ of collections.OrderedDict");
}
