using System.Globalization;
using System.Numerics;
using System.Text;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>IBANs (ISO 13616): check digits by ISO 7064 mod 97-10.</summary>
public static class Iban
{
    /// <summary>The IBAN with its letters upper-cased and its spaces removed.</summary>
    public static string Normalize(string iban) => iban.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>True when <paramref name="iban"/> has a country code, two check digits and a BBAN whose mod-97 check holds.</summary>
    public static bool IsValid(string? iban)
    {
        if (iban is null)
        {
            return false;
        }

        var value = Normalize(iban);
        if (value.Length is < 15 or > 34 || !char.IsAsciiLetterUpper(value[0]) || !char.IsAsciiLetterUpper(value[1])
            || !char.IsAsciiDigit(value[2]) || !char.IsAsciiDigit(value[3]) || !value.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }

        return Mod97(value[4..] + value[..4]) == 1;
    }

    /// <summary>Builds the IBAN of <paramref name="bban"/> in <paramref name="country"/>, with its check digits.</summary>
    public static string Create(string country, string bban)
    {
        var check = 98 - Mod97(bban + country + "00");
        return string.Create(CultureInfo.InvariantCulture, $"{country}{check:D2}{bban}");
    }

    /// <summary>The remainder mod 97 of the number the letters-as-digits (A = 10 … Z = 35) rearrangement spells.</summary>
    public static int Mod97(string text)
    {
        var digits = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else
            {
                digits.Append((char.ToUpperInvariant(c) - 'A' + 10).ToString(CultureInfo.InvariantCulture));
            }
        }

        return (int)(BigInteger.Parse(digits.ToString(), CultureInfo.InvariantCulture) % 97);
    }
}
