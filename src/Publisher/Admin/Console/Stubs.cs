namespace Publisher.Admin.Console;
public static class StubEndpoints
{
    public static RouteGroupBuilder MapArticleEndpoints(this RouteGroupBuilder g) => g;
}
