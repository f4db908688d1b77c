namespace MLNetAttn.Estimators.Tests;

/// <summary>The Data catalog's loaders: folders, CSV manifests (paths confined to the manifest's folder), enumerables, bytes.</summary>
[TestClass]
public sealed class DataLoadingTests
{
    public sealed class LabeledRow
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";

        public string? note { get; set; }
    }

    [TestMethod]
    public void FolderNamesBecomeLabelsInStableOrder()
    {
        var folder = TestData.TempFolder();
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "cat"));
            Directory.CreateDirectory(Path.Combine(folder, "space"));
            File.Copy(Path.Combine(TestData.Images, "chelsea.png"), Path.Combine(folder, "cat", "1.png"));
            File.Copy(Path.Combine(TestData.Images, "rocket.jpg"), Path.Combine(folder, "space", "b.JPG"));
            File.Copy(Path.Combine(TestData.Images, "astronaut.png"), Path.Combine(folder, "space", "a.png"));
            var vision = new VisionContext();
            var rows = vision.Data.CreateEnumerable<LabeledRow>(vision.Data.LoadImagesFromDirectory(folder, useFolderNameAsLabel: true), ignoreMissingColumns: true).ToArray();
            CollectionAssert.AreEqual(new[] { "cat/1.png", "space/a.png", "space/b.JPG" },
                rows.Select(r => Path.GetRelativePath(folder, r.ImagePath).Replace('\\', '/')).ToArray());
            CollectionAssert.AreEqual(new[] { "cat", "space", "space" }, rows.Select(r => r.Label).ToArray());
            Assert.ThrowsExactly<DirectoryNotFoundException>(() => vision.Data.LoadImagesFromDirectory(Path.Combine(folder, "nope")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ManifestPathsResolveUnderItsFolderAndEscapesAreRefused()
    {
        var folder = TestData.TempFolder();
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "img"));
            File.Copy(Path.Combine(TestData.Images, "coffee.png"), Path.Combine(folder, "img", "coffee.png"));
            var manifest = Path.Combine(folder, "manifest.csv");
            File.WriteAllText(manifest, "ImagePath,Label,note\nimg/coffee.png,drink,\"a, quoted \"\"note\"\"\"\n");
            var vision = new VisionContext();
            var data = vision.Data.LoadFromTextFile(manifest);
            var row = vision.Data.CreateEnumerable<LabeledRow>(data).Single();
            Assert.AreEqual(Path.Combine(folder, "img", "coffee.png"), row.ImagePath);
            Assert.AreEqual("drink", row.Label);
            Assert.AreEqual("a, quoted \"note\"", row.note);

            // The loaded path decodes.
            var model = vision.Transforms.LoadImages("Image", null, "ImagePath").Fit(data);
            Assert.IsNull(vision.Data.CreateEnumerable<Prediction>(model.Transform(data), ignoreMissingColumns: true).Single().Error);

            foreach (var escape in new[] { "../outside.png", "img/../../outside.png", "/etc/passwd" })
            {
                File.WriteAllText(manifest, $"ImagePath,Label\n{escape},x\n");
                var e = Assert.ThrowsExactly<InvalidDataException>(() => vision.Data.CreateEnumerable<LabeledRow>(vision.Data.LoadFromTextFile(manifest), ignoreMissingColumns: true).ToArray());
                StringAssert.Contains(e.Message, "line 2");
                StringAssert.Contains(e.Message, "outside the manifest's folder");
            }
            File.WriteAllText(manifest, "Path,Label\na.png,x\n");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vision.Data.LoadFromTextFile(manifest));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public sealed class BytesRow
    {
        public byte[] Bytes { get; set; } = [];
    }

    [TestMethod]
    public void LoadImagesInPlaceReplacesThePathColumn()
    {
        var vision = new VisionContext();
        var data = EndToEndTests.Photos(vision);
        var model = vision.Transforms.LoadImages("ImagePath", TestData.Images).Append(vision.Transforms.ResizeImages("ImagePath", 8, 8)).Fit(data);
        Assert.AreEqual("ImagePath: Image<8,8>, Error: Text", model.GetOutputSchema(data.Schema).ToString());
        var relative = vision.Data.LoadFromEnumerable(TestData.Photos.Select(p => new PathRow { ImagePath = p }).ToArray());
        foreach (var batch in model.Transform(relative).GetBatches())
        {
            using (batch)
            {
                Assert.AreEqual(5, batch.RowCount);
                for (var r = 0; r < batch.RowCount; r++)
                {
                    Assert.IsNull(batch.GetError(r));
                    Assert.AreEqual(8, batch.GetColumn<ImageColumn>(0)[r]!.Width);
                }
            }
        }
    }

    [TestMethod]
    public void EncodedBytesDecodeLikeFiles()
    {
        var vision = new VisionContext();
        var path = Path.Combine(TestData.Images, "chelsea.png");
        var fromBytes = vision.Data.LoadFromEnumerable(new[] { new BytesRow { Bytes = File.ReadAllBytes(path) } });
        var fromPath = vision.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = path } });
        float[] Pixels(IDataView data, string input) => vision.Data.CreateEnumerable<PixelsRow>(
            vision.Transforms.LoadImages("Image", null, input).Append(vision.Transforms.ResizeImages("Image", 32, 32))
                .Append(vision.Transforms.ExtractPixels("Pixels", "Image")).Fit(data).Transform(data)).Single().Pixels;
        CollectionAssert.AreEqual(Pixels(fromPath, "ImagePath"), Pixels(fromBytes, "Bytes"));
    }
}
