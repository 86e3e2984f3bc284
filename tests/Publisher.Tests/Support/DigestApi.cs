using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Publisher.Tests.Support;

/// <summary>Sending a digest through the admin API as an admin would: ask (202), then poll the digest until it is done.</summary>
public static class DigestApi
{
    /// <summary>POSTs "send now"; null when there was nothing to send (204), else the digest once nothing is left to send.</summary>
    public static async Task<JsonElement?> SendNowAsync(HttpClient admin, string list = "news", TimeSpan? within = null)
    {
        var response = await admin.PostAsync($"/api/lists/{list}/digests", null);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location ?? throw new InvalidOperationException("202 without a Location");
        return await WaitAsync(admin, location.ToString(), Finished, within);
    }

    /// <summary>No row pending or being sent.</summary>
    public static bool Finished(JsonElement digest)
    {
        var counts = digest.GetProperty("counts");
        return counts.GetProperty("pending").GetInt32() == 0 && counts.GetProperty("sending").GetInt32() == 0;
    }

    public static async Task<JsonElement> WaitAsync(HttpClient admin, string location, Func<JsonElement, bool> done, TimeSpan? within = null)
    {
        JsonElement digest = default;
        await Eventually.HoldsAsync(async () =>
        {
            digest = await admin.GetFromJsonAsync<JsonElement>(location);
            return done(digest);
        }, within ?? TimeSpan.FromSeconds(60), () => $"{location} is done; it reads {digest}");
        return digest;
    }

    public static int Count(JsonElement digest, string state) => digest.GetProperty("counts").GetProperty(state).GetInt32();
}
