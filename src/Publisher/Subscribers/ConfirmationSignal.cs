namespace Publisher.Subscribers;

/// <summary>Wakes the confirmation sender when a confirmation is requested in this process.</summary>
public sealed class ConfirmationSignal : Signal;
