using Finqware.SkillConnectors.SandboxBank;

namespace Finqware.SandboxBank.Tests;

public sealed class IbanTests
{
    [Theory]
    [InlineData("DE89370400440532013000")]
    [InlineData("DE89 3704 0044 0532 0130 00")]
    [InlineData("GB82WEST12345698765432")]
    [InlineData("NL91ABNA0417164300")]
    [InlineData("FR1420041010050500013M02606")]
    [InlineData("de89370400440532013000")]
    public void Published_example_ibans_pass_the_mod_97_check(string iban) => Assert.True(Iban.IsValid(iban));

    [Theory]
    [InlineData("DE88370400440532013000")]
    [InlineData("DE89370400440532013001")]
    [InlineData("GB82WEST12345698765423")]
    [InlineData("DE8937040044")]
    [InlineData("1289370400440532013000")]
    [InlineData("DE89-370400440532013000")]
    [InlineData("")]
    [InlineData(null)]
    public void Wrong_check_digits_swapped_digits_and_malformed_ibans_fail(string? iban) => Assert.False(Iban.IsValid(iban));

    [Fact]
    public void Create_computes_the_check_digits_of_a_bban()
    {
        Assert.Equal("DE89370400440532013000", Iban.Create("DE", "370400440532013000"));
        Assert.Equal("GB82WEST12345698765432", Iban.Create("GB", "WEST12345698765432"));
        Assert.Equal("NL91ABNA0417164300", Iban.Create("NL", "ABNA0417164300"));
    }

    [Fact]
    public void Every_single_digit_error_is_caught()
    {
        const string iban = "DE89370400440532013000";
        for (var i = 2; i < iban.Length; i++)
        {
            for (var d = '0'; d <= '9'; d++)
            {
                if (d != iban[i])
                {
                    Assert.False(Iban.IsValid(iban[..i] + d + iban[(i + 1)..]), $"{iban[..i] + d + iban[(i + 1)..]} should fail");
                }
            }
        }
    }
}
