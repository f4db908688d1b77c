using System.Reflection;
using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>Checks the native table binding itself: the library, the version, and that slots do what their names say.</summary>
[TestClass]
public sealed class OrtApiTests
{
    [TestMethod]
    public void BundledRuntimeIsVersion130()
    {
        if (Environment.GetEnvironmentVariable(NativeRuntimeOptions.OrtPathVariable) is { Length: > 0 } other)
            Assert.Inconclusive($"{NativeRuntimeOptions.OrtPathVariable} points at {other}; this test checks the bundled build.");
        Assert.AreEqual("1.30.0", OnnxRuntimeInfo.Version);
        Assert.AreEqual("bundled", OnnxRuntimeInfo.Source);
        Assert.AreEqual("libonnxruntime.so.1", Path.GetFileName(OnnxRuntimeInfo.LibraryPath));
        Assert.AreEqual(11, OnnxRuntimeInfo.ApiVersion);
    }

    [TestMethod]
    public void AvailableProvidersListTheCpuProvider()
    {
        // Exercises GetAvailableProviders (125) and ReleaseAvailableProviders (126).
        var providers = OnnxRuntimeInfo.AvailableProviders;
        CollectionAssert.Contains(providers.ToList(), "CPUExecutionProvider");
        Assert.IsTrue(providers.All(p => p.EndsWith("ExecutionProvider", StringComparison.Ordinal)), string.Join(", ", providers));
    }

    [TestMethod]
    public unsafe void StatusFunnelReadsCodeAndMessage()
    {
        // CreateStatus (0) -> GetErrorCode (1) / GetErrorMessage (2) -> ReleaseStatus (93), through the funnel.
        OrtApi.EnsureLoaded();
        var message = "bad things\0"u8;
        IntPtr status;
        fixed (byte* m = message)
            status = OrtApi.CreateStatus((int)OnnxErrorCode.InvalidGraph, m);
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OrtStatus.ThrowIfError(status, "checking the funnel"));
        Assert.AreEqual(OnnxErrorCode.InvalidGraph, e.ErrorCode);
        Assert.AreEqual("bad things", e.RuntimeMessage);
        StringAssert.Contains(e.Message, "checking the funnel");
        OrtStatus.ThrowIfError(IntPtr.Zero, "success is silent");
    }

    [TestMethod]
    public void CpuMemoryInfoIsNamedCpu()
    {
        // CreateCpuMemoryInfo (69) and MemoryInfoGetName (71).
        using var info = OrtEnvironment.CpuMemory.Acquire();
        Assert.AreEqual("Cpu", OrtApi.MemoryInfoGetName(info.Pointer));
    }

    [TestMethod]
    public void EverySlotWeBindIsDistinctAndPresent()
    {
        var slots = typeof(OrtSlot).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(int))
            .ToDictionary(f => f.Name, f => (int)f.GetValue(null)!);
        Assert.IsTrue(slots.Count > 40, $"only {slots.Count} slots found");
        Assert.AreEqual(slots.Count, slots.Values.Distinct().Count(), "two names share one slot index");
        var addresses = slots.ToDictionary(s => s.Key, s => OrtApi.SlotAddress(s.Value));
        foreach (var (name, address) in addresses)
            Assert.AreNotEqual(IntPtr.Zero, address, $"slot {name} ({slots[name]}) is empty");
        // Distinct functions live at distinct addresses; a miscount would often land two names on one function.
        Assert.AreEqual(addresses.Count, addresses.Values.Distinct().Count(), "two slots point at the same function");
    }

    [TestMethod]
    public unsafe void UnsupportedApiVersionNamesLibraryAndBothVersions()
    {
        var e = Assert.ThrowsExactly<OnnxRuntimeException>(() => OrtApi.OpenTable(OrtApi.Library, 9999, out _));
        StringAssert.Contains(e.Message, OnnxRuntimeInfo.LibraryPath);
        StringAssert.Contains(e.Message, $"version {OnnxRuntimeInfo.Version}");
        StringAssert.Contains(e.Message, "API version 9999");
        StringAssert.Contains(e.Message, "API version 11 or newer");
        StringAssert.Contains(e.Message, NativeRuntimeOptions.OrtPathVariable);
    }

    [TestMethod]
    public unsafe void TheHeaderVersionTheSlotsWereCountedInIsServed()
    {
        // Slots were counted in the ORT_API_VERSION 30 header; the bundled 1.30 runtime must answer 30 as well as 11.
        if (!OnnxRuntimeInfo.Version.StartsWith("1.30.", StringComparison.Ordinal))
            Assert.Inconclusive($"Loaded ONNX Runtime {OnnxRuntimeInfo.Version}, not 1.30.");
        var v30 = OrtApi.OpenTable(OrtApi.Library, 30, out var version);
        Assert.AreEqual(OnnxRuntimeInfo.Version, version);
        Assert.AreEqual(OrtApi.SlotAddress(OrtSlot.Run), v30[OrtSlot.Run]);
    }
}
