using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Fuzzing;

/// <summary>
/// The subscriber CSV importer, fuzzed for a fixed number of inputs from a fixed seed against a real database: a file is
/// refused whole with a reason, or its rows are counted and each bad one named with its line; it never throws.
/// </summary>
public sealed class CsvImporterFuzzTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private static readonly List<byte[]> Samples = new[]
    {
        "email,name\nli.lei@example.org,李雷\nhan.meimei@example.org,韩梅梅\n",
        "\uFEFFEmail , Name ,Phone\r\n\"zhang@example.org\",\"张, 三\",123\r\n\"wang@example.org\",\"王\"\"五\"\"\",\r\n",
        "name,email\n赵六,zhao@example.org\n,qian@example.org\n\"多行\n名字\",sun@example.org\n",
        "email\n'=1+2@b.com\n=cmd@x.org\nnot-an-address\nx@[127.0.0.1]\nDup@Example.org\ndup@example.org\n",
        "email,name\n\"unterminated@example.org,名字\nnext@example.org,下一个\n",
    }.Select(Encoding.UTF8.GetBytes).Append([.. Encoding.ASCII.GetBytes("email,name\ngbk@example.org,"), 0xD5, 0xC5, 0xC8, 0xFD, (byte)'\n']).ToList();

    [Fact]
    public async Task TheCsvImporterRefusesOrReportsWhateverTheBytes()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();
        Assert.True((await admin.PostAsJsonAsync("/api/lists", new { name = "fuzz" })).IsSuccessStatusCode);

        await Fuzz.RunAsync("csv", seed: 20261206, inputs: 150, Samples, async bytes =>
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.SingleAsync(l => l.Name == "fuzz");
            var (report, error) = await scope.ServiceProvider.GetRequiredService<CsvImporter>().ImportAsync(list, bytes, confirmed: true);
            if (report is null)
            {
                Assert.False(string.IsNullOrWhiteSpace(error));
                return;
            }
            Assert.Equal(report.Problems.Count, report.Failed + report.Refused);
            Assert.All(report.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
        });
    }
}
