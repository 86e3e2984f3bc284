namespace Publisher.Templates;

/// <summary>A rendered mail: subject, HTML part with CSS inlined, plain-text part.</summary>
public sealed record RenderedEmail(string Subject, string Html, string Text);
