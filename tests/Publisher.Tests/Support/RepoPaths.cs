using System.Reflection;

namespace Publisher.Tests.Support;

/// <summary>Where things are: the repository root, the built service, the test fixtures.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Seeds => Path.Combine(Root, "seeds");

    /// <summary>Fixtures copied beside the test assembly.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    /// <summary>The service's own build output, same configuration as the tests.</summary>
    public static string PublisherDll
    {
        get
        {
            string configuration = typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            return Path.Combine(Root, "src", "Publisher", "bin", configuration, "net10.0", "Publisher.dll");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Publisher.sln"))) return dir.FullName;
        throw new InvalidOperationException("Publisher.sln not found above " + AppContext.BaseDirectory);
    }
}
