namespace Publisher.Subscribers;

/// <summary>What the subscription pages say, in the site's language.</summary>
public sealed record SubscriptionTexts(
    string CheckInbox, string CheckInboxDetail,
    string ConfirmHeading, string ConfirmDetail, string ConfirmButton,
    string Confirmed, string ConfirmedDetail, string NotConfirmed, string NotConfirmedDetail,
    string UnsubscribeHeading, string UnsubscribeDetail, string UnsubscribeButton,
    string Unsubscribed, string UnsubscribedDetail,
    string LinkInvalid, string LinkInvalidDetail)
{
    public static readonly SubscriptionTexts Chinese = new(
        "请查收邮件", "如果该地址可以订阅，我们已发送一封确认邮件，请点击其中的链接完成订阅。",
        "确认订阅", "确认用 {0} 订阅「{1}」？", "确认订阅",
        "订阅成功", "您已订阅「{0}」。", "无法确认", "这个订阅已退订或无法投递，请重新订阅。",
        "退订", "确认让 {0} 退订「{1}」？", "退订",
        "已退订", "{0} 已退订「{1}」，不会再收到这份邮件。",
        "链接无效", "这个链接无效或已过期。");

    public static readonly SubscriptionTexts English = new(
        "Check your inbox", "If this address can subscribe, a confirmation mail is on its way: follow its link to finish.",
        "Confirm your subscription", "Subscribe {0} to {1}?", "Confirm",
        "Subscribed", "You are subscribed to {0}.", "Not confirmed", "This subscription was cancelled or bounced; please subscribe again.",
        "Unsubscribe", "Unsubscribe {0} from {1}?", "Unsubscribe",
        "Unsubscribed", "{0} is unsubscribed from {1} and will get no more of it.",
        "Invalid link", "This link is not valid or has expired.");
}
