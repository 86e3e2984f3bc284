using Microsoft.Extensions.Options;
using Publisher.Admin;
using Publisher.Bounces;
using Publisher.Cli;
using Publisher.Data;
using Publisher.Data.Postgres;
using Publisher.Subscribers;

namespace Publisher.Hosting;

/// <summary>
/// What happens between building the host and serving (or running a verb): the data folder made the owner's only, the
/// database migrated, keys made, settings checked. What stops a start for reasons outside the program (a data folder
/// that cannot be made or written, a damaged key file) or a bad setting is said in one line with exit code 2, not as an
/// abort with a stack trace.
/// </summary>
public static class HostStart
{
    /// <summary>Runs a verb; returns its exit code.</summary>
    public static async Task<int> RunVerbAsync(this WebApplication app, string[] verbArgs)
    {
        string dataPath = DataPath(app);
        int code;
        try
        {
            DataFolder.Secure(dataPath, deep: false); // the folder and its own files; the server walks the rest
            code = await Verbs.RunAsync(verbArgs, app.Services);
        }
        catch (Exception ex) when (Cause(ex) is { } cause)
        {
            await Console.Error.WriteLineAsync(Describe(cause, dataPath, app));
            return Verbs.Usage;
        }
        await app.Services.GetRequiredService<ProcessLease>().StopAsync();
        // Disposing the host says QUIT on pooled SMTP connections and flushes the log.
        await app.DisposeAsync();
        return code;
    }

    /// <summary>Readies the server; null when it may serve, else the exit code to stop with.</summary>
    public static async Task<int?> PrepareToServeAsync(this WebApplication app)
    {
        string dataPath = DataPath(app);
        try
        {
            int tightened = DataFolder.Secure(dataPath, deep: true);
            if (tightened > 0)
                app.Logger.LogWarning("{Count} files or folders in {DataPath} could be read by other users; they are now the owner's only", tightened, dataPath);
            await app.Services.MigrateDatabaseAsync();
            // Keys are generated (and their paths logged) on the first start, not on the first request that needs them.
            _ = app.Services.GetRequiredService<AdminKey>();
            _ = app.Services.GetRequiredService<SubscriberTokens>();
            _ = app.Services.GetRequiredService<IOptions<BounceOptions>>().Value; // a bad setting stops the start here, with its key
            return null;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
            return Verbs.Usage;
        }
        catch (Exception ex) when (Cause(ex) is { } cause)
        {
            await Console.Error.WriteLineAsync(Describe(cause, dataPath, app));
            return Verbs.Usage;
        }
    }

    private static string DataPath(WebApplication app) => Path.GetFullPath(app.Configuration[$"{PublisherOptions.Section}:DataPath"] ?? "data");

    /// <summary>The environmental cause inside <paramref name="ex"/>, if there is one.</summary>
    private static Exception? Cause(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            // The PostgreSQL server named by the connection string: unreachable, refusing the login, no such database.
            if (e is DatabaseUnreachableException or Npgsql.NpgsqlException) return e;
            if (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or KeyFileException) return e;
        }
        return null;
    }

    private static string Describe(Exception cause, string dataPath, WebApplication app) => cause switch
    {
        KeyFileException => $"Start-up error: {cause.Message}",
        DatabaseUnreachableException => $"Start-up error: {cause.Message}",
        Npgsql.NpgsqlException => $"Start-up error: the PostgreSQL database of {Database.ConnectionStringKey} ({app.Services.GetService<Data.Postgres.PostgresDatabase>()?.Describe()}) cannot be used: {OneLine(cause)}",
        _ => $"Start-up error: the data folder {dataPath} cannot be used: {cause.Message}",
    };

    /// <summary>The message and its causes on one line ("Failed to connect to 127.0.0.1:1: Connection refused").</summary>
    private static string OneLine(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
            if (!parts.Any(p => p.Contains(e.Message, StringComparison.Ordinal))) parts.Add(e.Message.ReplaceLineEndings(" ").Trim());
        return string.Join(": ", parts);
    }
}
