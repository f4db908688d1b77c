using System.IO.Compression;

namespace MLNetAttn.Estimators.Tests;

/// <summary>Save → Load keeps predictions; damaged or foreign files are refused with the value named.</summary>
[TestClass]
public sealed class SaveLoadTests
{
    [TestMethod]
    public void SaveLoadGivesSamePredictions()
    {
        var folder = TestData.TempFolder();
        try
        {
            var vision = new VisionContext();
            var data = EndToEndTests.Photos(vision);
            var model = EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data);
            var path = Path.Combine(folder, "pipeline.zip");
            vision.Model.Save(model, data.Schema, path);

            var loaded = new VisionContext().Model.Load(path, out var schema);
            Assert.AreEqual(data.Schema.ToString(), schema.ToString());
            Assert.AreEqual(model.GetOutputSchema(schema).ToString(), loaded.GetOutputSchema(schema).ToString());
            var before = vision.Data.CreateEnumerable<Prediction>(model.Transform(data)).ToArray();
            var after = vision.Data.CreateEnumerable<Prediction>(loaded.Transform(data)).ToArray();
            for (var i = 0; i < before.Length; i++)
            {
                CollectionAssert.AreEqual(before[i].Logits, after[i].Logits);
                Assert.AreEqual(before[i].PredictedLabel, after[i].PredictedLabel);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void PerImageJpegShrinkIsSavedAndApplied()
    {
        var folder = TestData.TempFolder();
        try
        {
            var vision = new VisionContext();
            var data = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(TestData.Images, "rocket.jpg") } });
            var decode = MLNetAttn.Transforms.Imaging.ImageDecodeOptions.Default with { JpegShrinkToShorterSide = 100 };
            var model = vision.Transforms.LoadImages("Image", null, "ImagePath", decode).Fit(data);
            var path = Path.Combine(folder, "pipeline.zip");
            vision.Model.Save(model, data.Schema, path);
            var loaded = new VisionContext().Model.Load(path, out _);
            foreach (var transformer in new[] { model, loaded })
            {
                using var batch = transformer.Transform(data).GetBatches().Single();
                var image = batch.GetColumn<ImageColumn>(batch.Schema["Image"].Index)[0]!;
                Assert.AreEqual((160, 106), (image.Width, image.Height), "640 x 427 at 1/4: the largest factor keeping 100 pixels");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Saved()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);
        using var stream = new MemoryStream();
        vision.Model.Save(EndToEndTests.ExplicitPipeline(vision, TestData.EndToEndModel()).Fit(data), data.Schema, stream);
        return stream.ToArray();
    }

    private static byte[] Edit(byte[] zip, Func<string, string> json, Action<ZipArchive>? more = null)
    {
        using var stream = new MemoryStream();
        stream.Write(zip);
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = archive.GetEntry("pipeline.json")!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
                text = reader.ReadToEnd();
            entry.Delete();
            using (var writer = new StreamWriter(archive.CreateEntry("pipeline.json").Open()))
                writer.Write(json(text));
            more?.Invoke(archive);
        }
        return stream.ToArray();
    }

    private static InvalidDataException LoadFails(byte[] zip)
        => Assert.ThrowsExactly<InvalidDataException>(() => new VisionContext().Model.Load(new MemoryStream(zip), out _));

    [TestMethod]
    public void EveryValueIsCheckedOnLoad()
    {
        var good = Saved();
        new VisionContext().Model.Load(new MemoryStream(good), out _); // sanity: the unedited file loads

        StringAssert.Contains(LoadFails(Edit(good, j => j.Replace("\"version\": 1,\n  \"inputSchema\"", "\"version\": 2,\n  \"inputSchema\""))).Message, "version 2");
        StringAssert.Contains(LoadFails(Edit(good, j => j.Replace("\"imageWidth\": 64", "\"imageWidth\": -3"))).Message, "imageWidth");
        StringAssert.Contains(LoadFails(Edit(good, j => j.Replace("\"resizing\": \"IsoCrop\"", "\"resizing\": \"Squash\""))).Message, "resizing");
        StringAssert.Contains(LoadFails(Edit(good, j => j.Replace("\"topK\": 3", "\"topK\": 3, \"extra\": 1"))).Message, "unknown parameter 'extra'");
        StringAssert.Contains(LoadFails(Edit(good, j => j.Replace("\"type\": \"Text\"", "\"type\": \"Text<9>\""))).Message, "inputSchema[0].type");
        StringAssert.Contains(LoadFails(Edit(good, j => j, a =>
        {
            var model = a.GetEntry("models/0.onnx")!;
            byte[] bytes;
            using (var s = model.Open()) { using var m = new MemoryStream(); s.CopyTo(m); bytes = m.ToArray(); }
            bytes[^1] ^= 1;
            model.Delete();
            using var w = a.CreateEntry("models/0.onnx").Open();
            w.Write(bytes);
        })).Message, "SHA-256");
        StringAssert.Contains(LoadFails(Edit(good, j => j.Replace("\"inputColumnName\": \"ImagePath\"", "\"inputColumnName\": \"Nope\""))).Message, "Could not find input column 'Nope'");
    }
}
