namespace Publisher.Tests.Support;

/// <summary>
/// A throwaway site: its own data folder and articles folder, and its own database: a real SQLite file in the data
/// folder, or with PUBLISHER_TEST_POSTGRES a new PostgreSQL database (<see cref="TestDatabase"/>).
/// </summary>
public sealed class TempSite : IDisposable
{
    /// <summary>This site's PostgreSQL database, or null on SQLite.</summary>
    public string? PostgresConnection { get; }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "publisher-tests", Guid.NewGuid().ToString("N"));
    public string DataPath => Path.Combine(Root, "data");
    public string ArticlesPath => Path.Combine(Root, "articles");

    /// <param name="postgresServer">A PostgreSQL server to make this site's database on (a test's own cluster); by default the run's.</param>
    public TempSite(string? postgresServer = null)
    {
        Directory.CreateDirectory(DataPath);
        Directory.CreateDirectory(ArticlesPath);
        if (postgresServer is not null || TestDatabase.IsPostgres) PostgresConnection = TestDatabase.Create(postgresServer);
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
        ["Publisher:Database:Provider"] = PostgresConnection is null ? null : "Postgres",
        ["ConnectionStrings:Publisher"] = PostgresConnection,
        ["Publisher:DataPath"] = DataPath,
        ["Publisher:ArticlesPath"] = ArticlesPath,
        ["Publisher:Site:BaseUrl"] = baseUrl,
        ["Publisher:AdminApiKey"] = AdminKey,
        ["Publisher:Articles:RescanSeconds"] = "2",
    };

    /// <summary>The site's settings with a server's beside them (an SMTP server's, a mailbox's).</summary>
    public Dictionary<string, string?> Settings(IEnumerable<KeyValuePair<string, string?>> with, string? baseUrl = "http://feeds.example.test")
    {
        var settings = Settings(baseUrl);
        foreach (var (k, v) in with) settings[k] = v;
        return settings;
    }

    public const string AdminKey = "test-admin-key-0123456789";

    public void Dispose()
    {
        if (PostgresConnection is not null) TestDatabase.Drop(PostgresConnection);
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
