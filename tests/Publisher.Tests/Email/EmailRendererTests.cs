using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Templates;
using Publisher.Templates.Confirmation;
using Publisher.Tests.Support;

namespace Publisher.Tests.Email;

public sealed class EmailRendererTests
{
    [Fact]
    public async Task ARendererKeepsNothingOfTheMailsItMade()
    {
        using var site = new TempSite();
        await using var factory = new PublisherFactory(site.Settings());
        await using var scope = factory.Services.CreateAsyncScope();
        var renderer = scope.ServiceProvider.GetRequiredService<EmailRenderer>();
        // The renderer lives on (as it does through a confirmation mailer's pass); the mail's model must not.
        var model = await RenderOneAsync(renderer);
        for (int i = 0; i < 3 && model.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(model.IsAlive, "the renderer still holds a rendered mail's model");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> RenderOneAsync(EmailRenderer renderer)
    {
        var model = new ConfirmationModel("zh-CN", "站点", "news", "要闻", null, "http://feeds.example.test/confirm/x", 7);
        var mail = await renderer.RenderAsync<ConfirmationEmail, ConfirmationText, ConfirmationModel>(model, model.Subject);
        Assert.Contains("要闻", mail.Html);
        return new WeakReference(model);
    }
}
