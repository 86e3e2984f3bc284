using Microsoft.Extensions.Options;

namespace Publisher.Email;

public static class EmailExtensions
{
    public static WebApplicationBuilder AddEmail(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MailSigner>();
        builder.Services.AddSingleton<SmtpMailTransport>();
        builder.Services.AddSingleton<OutboxMailTransport>();
        builder.Services.AddSingleton<IMailTransport>(services =>
            services.GetRequiredService<IOptions<PublisherOptions>>().Value.Smtp.UsesOutbox
                ? services.GetRequiredService<OutboxMailTransport>()
                : services.GetRequiredService<SmtpMailTransport>());
        return builder;
    }
}
