using Microsoft.Extensions.Hosting;

namespace Finqware.ServiceDefaults.Tests;

public sealed class BrokerAddressTests
{
    [Fact]
    public void Parses_user_password_host_port_and_vhost()
    {
        var address = BrokerAddress.Parse("amqp://finq%40ware:p%3Ass@mq.local:5673/tenant-a");

        Assert.Equal(new BrokerAddress("mq.local", 5673, "tenant-a", "finq@ware", "p:ss"), address);
    }

    [Fact]
    public void Defaults_to_guest_the_root_vhost_and_the_amqp_port()
    {
        Assert.Equal(new BrokerAddress("127.0.0.1", 5672, "/", "guest", "guest"), BrokerAddress.Parse("amqp://127.0.0.1"));
        Assert.Equal(5671, BrokerAddress.Parse("amqps://u:p@host").Port);
    }

    [Theory]
    [InlineData("Host=localhost;Port=5672")]
    [InlineData("http://guest:guest@localhost:5672")]
    [InlineData("")]
    public void Refuses_what_is_not_an_amqp_uri_without_echoing_it(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => BrokerAddress.Parse(value));
        Assert.Contains("ConnectionStrings:messaging", error.Message, StringComparison.Ordinal);
        if (value.Length > 0)
        {
            Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
        }
    }
}
