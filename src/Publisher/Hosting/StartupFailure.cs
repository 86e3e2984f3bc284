namespace Publisher.Hosting;

/// <summary>
/// What stops a start for reasons outside the program: a data folder that cannot be made or written (read-only, full,
/// not ours), a damaged key file. Said in one line naming the data folder, with exit code 2, not as an abort with a
/// stack trace.
/// </summary>
public static class StartupFailure
{
    /// <summary>The environmental cause inside <paramref name="ex"/>, if there is one.</summary>
    public static Exception? Cause(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or KeyFileException) return e;
        return null;
    }

    public static string Describe(Exception cause, string dataPath) => cause is KeyFileException
        ? $"Start-up error: {cause.Message}"
        : $"Start-up error: the data folder {dataPath} cannot be used: {cause.Message}";
}
