namespace Publisher.Admin.Console;
public static class StubEndpoints
{
    public static RouteGroupBuilder MapDigestEndpoints(this RouteGroupBuilder g) => g;
    public static RouteGroupBuilder MapArticleEndpoints(this RouteGroupBuilder g) => g;
}
