using Publisher;
using Publisher.Admin;
using Publisher.Admin.Console;
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
builder.AddAdminConsole();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();

var app = builder.Build();
if (isVerb) return await app.RunVerbAsync(verbArgs);
if (await app.PrepareToServeAsync() is { } failed) return failed;

app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseFeeds();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseRateLimiter();

app.MapPages();
app.MapWebSub();
app.MapArticlesApi();
app.MapSubscribers();
app.MapDigests();
app.MapBounces();
app.MapAdminConsole();
app.MapOpenApi().RequireAuthorization(AdminKeyAuthentication.Policy);

await app.RunAsync();
return 0;

public partial class Program
{
    public const string DefaultUrl = "http://127.0.0.1:5080";
}
