using Hangfire.Logging;

namespace Publisher.Digests;

/// <summary>
/// Hangfire's log provider is one per process (a static), set by the host that configured Hangfire last. With several
/// hosts in one process (the tests), one of them being disposed made every Hangfire log call in the others throw
/// ObjectDisposedException, and an enqueue (send now) answered 500. This provider writes to its host's loggers while
/// they live and drops the line once they are gone. One host per process, as deployed, sees no difference.
/// </summary>
public sealed class TolerantHangfireLogs(ILoggerFactory loggers) : ILogProvider
{
    public ILog GetLogger(string name) => new Writer(loggers, name);

    private sealed class Writer(ILoggerFactory loggers, string name) : ILog
    {
        private ILogger? _logger;

        public bool Log(Hangfire.Logging.LogLevel level, Func<string>? message, Exception? exception = null)
        {
            try
            {
                var logger = _logger ??= loggers.CreateLogger(name);
                var mapped = level switch
                {
                    Hangfire.Logging.LogLevel.Trace => Microsoft.Extensions.Logging.LogLevel.Trace,
                    Hangfire.Logging.LogLevel.Debug => Microsoft.Extensions.Logging.LogLevel.Debug,
                    Hangfire.Logging.LogLevel.Info => Microsoft.Extensions.Logging.LogLevel.Information,
                    Hangfire.Logging.LogLevel.Warn => Microsoft.Extensions.Logging.LogLevel.Warning,
                    Hangfire.Logging.LogLevel.Error => Microsoft.Extensions.Logging.LogLevel.Error,
                    _ => Microsoft.Extensions.Logging.LogLevel.Critical,
                };
                if (message is null) return logger.IsEnabled(mapped); // Hangfire asks whether a level is on
                if (logger.IsEnabled(mapped)) logger.Log(mapped, exception, "{Message}", message());
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false; // the host these loggers belonged to is gone
            }
        }
    }
}
