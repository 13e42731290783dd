namespace Microsoft.Extensions.Hosting;

/// <summary>The parts of an <c>amqp://</c> URI that MassTransit's RabbitMQ host needs.</summary>
public sealed record BrokerAddress(string Host, ushort Port, string VirtualHost, string Username, string Password)
{
    public static BrokerAddress Parse(string connectionString)
    {
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq"))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:messaging must be an amqp:// URI such as amqp://guest:guest@127.0.0.1:5672 (the value is not shown, it may hold a password).");
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var user = userInfo.Length > 0 && userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (uri.Scheme == "amqps" ? 5671 : 5672) : uri.Port;
        var vhost = uri.AbsolutePath.Trim('/');
        return new BrokerAddress(uri.Host, (ushort)port, vhost.Length == 0 ? "/" : Uri.UnescapeDataString(vhost), user, password);
    }
}
