using Microsoft.Extensions.Options;
using Publisher;
using Publisher.Admin;
using Publisher.Articles;
using Publisher.Bounces;
using Publisher.Cli;
using Publisher.Data;
using Publisher.Feeds;
using Publisher.Hosting;
using Publisher.Digests;
using Publisher.Email;
using Publisher.Pages;
using Publisher.Subscribers;
using Publisher.WebSub;

DataFolder.RestrictNewFiles(); // before anything is written: databases, keys and mail are the owner's only
var (hostArgs, verbArgs) = CommandLineArgs.Split(args);
bool isVerb = verbArgs.Length > 0;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = hostArgs });
builder.AddPublisherConfiguration(quiet: isVerb);
builder.AddData();
builder.AddHosting();
builder.AddArticles();
builder.AddFeeds();
builder.AddWebSub();
builder.AddPages();
builder.AddAdmin();
builder.AddEmail();
builder.AddSubscribers();
builder.AddDigests(serve: !isVerb);
builder.AddBounces(serve: !isVerb);
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();

var app = builder.Build();
string dataPath = Path.GetFullPath(app.Configuration[$"{PublisherOptions.Section}:DataPath"] ?? "data");

if (isVerb)
{
    int code;
    try
    {
        DataFolder.Secure(dataPath);
        code = await Verbs.RunAsync(verbArgs, app.Services);
    }
    catch (Exception ex) when (StartupFailure.Cause(ex) is { } cause)
    {
        await Console.Error.WriteLineAsync(StartupFailure.Describe(cause, dataPath));
        return Verbs.Usage;
    }
    await app.Services.GetRequiredService<ProcessLease>().StopAsync();
    // Disposing the host says QUIT on pooled SMTP connections and flushes the log.
    await app.DisposeAsync();
    return code;
}

try
{
    int tightened = DataFolder.Secure(dataPath);
    if (tightened > 0)
        app.Logger.LogWarning("{Count} files or folders in {DataPath} could be read by other users; they are now the owner's only", tightened, dataPath);
    await app.Services.MigrateDatabaseAsync();
    // Keys are generated (and their paths logged) on the first start, not on the first request that needs them.
    _ = app.Services.GetRequiredService<AdminKey>();
    _ = app.Services.GetRequiredService<SubscriberTokens>();
    _ = app.Services.GetRequiredService<IOptions<BounceOptions>>().Value; // a bad setting stops the start here, with its key
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
    return Verbs.Usage;
}
catch (Exception ex) when (StartupFailure.Cause(ex) is { } cause)
{
    await Console.Error.WriteLineAsync(StartupFailure.Describe(cause, dataPath));
    return Verbs.Usage;
}

app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseFeeds();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapPages();
app.MapWebSub();
app.MapArticlesApi();
app.MapSubscribers();
app.MapDigests();
app.MapBounces();
app.MapOpenApi().RequireAuthorization(AdminKeyAuthentication.Policy);

await app.RunAsync();
return 0;

public partial class Program
{
    public const string DefaultUrl = "http://127.0.0.1:5080";
}
