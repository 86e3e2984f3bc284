namespace Publisher.Tests.Support;

/// <summary>A throwaway site: its own data folder (a real SQLite file) and articles folder.</summary>
public sealed class TempSite : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "publisher-tests", Guid.NewGuid().ToString("N"));
    public string DataPath => Path.Combine(Root, "data");
    public string ArticlesPath => Path.Combine(Root, "articles");

    public TempSite()
    {
        Directory.CreateDirectory(DataPath);
        Directory.CreateDirectory(ArticlesPath);
    }

    public string AddSeed(string name = "000_8378d429204bb38c.txt") => CopyIn(Path.Combine(RepoPaths.Seeds, name));

    public string AddFixture(string name) => CopyIn(RepoPaths.Fixture("Articles", "Pages", name));

    public string CopyIn(string source, string? asName = null)
    {
        string target = Path.Combine(ArticlesPath, asName ?? Path.GetFileName(source));
        File.Copy(source, target, overwrite: true);
        return target;
    }

    public string Write(string name, string text)
    {
        string path = Path.Combine(ArticlesPath, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(ArticlesPath, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Settings that point the service at this site.</summary>
    public Dictionary<string, string?> Settings(string? baseUrl = "http://feeds.example.test") => new()
    {
        ["Publisher:DataPath"] = DataPath,
        ["Publisher:ArticlesPath"] = ArticlesPath,
        ["Publisher:Site:BaseUrl"] = baseUrl,
        ["Publisher:AdminApiKey"] = AdminKey,
        ["Publisher:Articles:RescanSeconds"] = "2",
    };

    public const string AdminKey = "test-admin-key-0123456789";

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
