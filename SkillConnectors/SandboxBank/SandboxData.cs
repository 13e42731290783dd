using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>An account as the sandbox bank holds it (ids are the bank's; the connector scopes them to a connection).</summary>
public sealed record SandboxAccount(
    string Reference, string Kind, string Iban, string Name, string Currency, IReadOnlyList<SandboxBalance> Balances, IReadOnlyList<SandboxTransaction> Transactions);

public sealed record SandboxBalance(string Type, decimal Amount, DateOnly ReferenceDate);

/// <summary>A transaction; <see cref="EntryReference"/> is the bank's id, the same from pending to booked.</summary>
public sealed record SandboxTransaction(
    string EntryReference, string Status, decimal Amount, DateOnly BookingDate, DateOnly ValueDate, string Counterparty, string Remittance);

/// <summary>
/// The sandbox bank's data, generated deterministically from the username: the same user has the same accounts
/// (current, savings, card; German IBANs with valid mod-97 check digits) and, for each calendar day, the same
/// transactions, whatever day it is asked. The last <see cref="HistoryDays"/> days up to today (UTC) are reported.
/// Transactions of today and yesterday are pending until the bank books them (<c>pendingBooked</c>); some then book
/// with another amount (a restaurant tip, a card's exchange rate) or a later booking date, as real banks do.
/// </summary>
public static class SandboxData
{
    public const int HistoryDays = 120;
    public const string BankCode = "12030099";
    public const string Currency = "EUR";

    private static readonly string[] Employers = ["Acme Analytics GmbH", "Nordlicht Logistik AG", "Blue Harbor Software GmbH", "Stadtwerke Lindenau"];
    private static readonly string[] Landlords = ["Hausverwaltung Becker", "Wohnbau Nord eG", "Immobilien Krause GmbH"];
    private static readonly string[] Utilities = ["Stadtwerke Energie", "Telekom Deutschland", "Vodafone GmbH"];
    private static readonly string[] Shops = ["REWE Markt", "Edeka Center", "Lidl", "dm-drogerie markt", "Baeckerei Schmidt", "Shell Station", "Deutsche Bahn", "Apotheke am Markt"];
    private static readonly string[] CardMerchants = ["Amazon EU", "Zalando SE", "Spotify AB", "Booking.com", "Uber BV", "Steam Games", "IKEA", "MediaMarkt"];
    private static readonly string[] Restaurants = ["Restaurant Luigi", "Cafe Central", "Sushi Yama", "Burger Werk"];

    public static IReadOnlyList<SandboxAccount> For(string username, DateOnly today, bool pendingBooked)
    {
        var profile = new Dice(Seed(username, "profile"));
        var salary = profile.Amount(2400, 4800);
        var rent = profile.Amount(650, 1450);
        var savingsTransfer = Math.Round(profile.Amount(100, 500), 0);
        var employer = profile.Pick(Employers);
        var landlord = profile.Pick(Landlords);
        var utility = profile.Pick(Utilities);
        var bases = (Current: profile.Amount(1500, 6000), Savings: profile.Amount(5000, 40000), Card: 0m);

        var current = new List<Draft>();
        var savings = new List<Draft>();
        var card = new List<Draft>();
        for (var date = today.AddDays(-(HistoryDays - 1)); date <= today; date = date.AddDays(1))
        {
            var month = date.ToString("MMMM yyyy", CultureInfo.InvariantCulture);
            var repayment = new Dice(Seed(username, "repayment", date.ToString("yyyy-MM", CultureInfo.InvariantCulture))).Amount(150, 900);
            var day = new Dice(Seed(username, "day", Iso(date)));

            // Current account: the month's fixed items, then one or two purchases a day.
            var c = 0;
            if (date.Day == 1)
            {
                current.Add(Draft.Fixed("C", date, c++, -rent, landlord, $"Rent {month}"));
            }

            if (date.Day == 3)
            {
                current.Add(Draft.Fixed("C", date, c++, -savingsTransfer, "Own savings account", "Monthly savings"));
                savings.Add(Draft.Fixed("S", date, 0, savingsTransfer, "Own current account", "Monthly savings"));
            }

            if (date.Day == 5)
            {
                current.Add(Draft.Fixed("C", date, c++, -repayment, "XYZ Card Services", $"Credit card repayment {month}"));
                card.Add(Draft.Fixed("K", date, 0, repayment, "Own current account", $"Repayment {month}"));
            }

            if (date.Day == 15)
            {
                current.Add(Draft.Fixed("C", date, c++, -day.Amount(45, 130), utility, $"Direct debit {month}"));
            }

            if (date.Day == 25)
            {
                current.Add(Draft.Fixed("C", date, c++, salary, employer, $"Salary {month}"));
            }

            var purchases = 1 + day.Int(2);
            for (var i = 0; i < purchases; i++)
            {
                var shop = day.Pick(Shops);
                current.Add(Draft.Fixed("C", date, 10 + i, -day.Amount(3.5m, 95), shop, $"Card payment {shop} {Iso(date)}"));
            }

            if (date.Day == DateTime.DaysInMonth(date.Year, date.Month))
            {
                savings.Add(Draft.Fixed("S", date, 1, Math.Round(bases.Savings * 0.0025m / 12, 2), "XYZ Sandbox Bank", $"Interest {month}"));
            }

            // Card: a restaurant every day (the tip books later, on the next day), sometimes a purchase abroad whose
            // amount changes with the exchange rate when it books.
            var restaurant = day.Pick(Restaurants);
            var bill = day.Amount(12, 85);
            card.Add(new Draft("K", date, 10, -bill, -Math.Round(bill * 1.1m, 2), 1, restaurant, $"Card payment {restaurant} {Iso(date)}"));
            if (day.Int(3) > 0)
            {
                var merchant = day.Pick(CardMerchants);
                var authorised = day.Amount(8, 150);
                var booked = day.Int(3) == 0 ? Math.Round(authorised * (1 + (day.Int(5) - 2) / 100m), 2) : authorised;
                card.Add(new Draft("K", date, 11, -authorised, -booked, 0, merchant, $"Card payment {merchant} {Iso(date)}"));
            }
        }

        return
        [
            Account(username, "current", "Current account", bases.Current, current, today, pendingBooked),
            Account(username, "savings", "Savings account", bases.Savings, savings, today, pendingBooked),
            Account(username, "card", "XYZ credit card", bases.Card, card, today, pendingBooked),
        ];
    }

    /// <summary>The account number of the user's <paramref name="kind"/> account: 10 digits, the same every time.</summary>
    public static string IbanOf(string username, string kind)
    {
        var number = new Dice(Seed(username, "account", kind)).Next() % 10_000_000_000UL;
        return Iban.Create("DE", string.Create(CultureInfo.InvariantCulture, $"{BankCode}{number:D10}"));
    }

    private static SandboxAccount Account(string username, string kind, string name, decimal opening, List<Draft> drafts, DateOnly today, bool pendingBooked)
    {
        var transactions = drafts
            .Select(d => d.ToTransaction(today, pendingBooked))
            .OrderByDescending(t => t.BookingDate).ThenByDescending(t => t.EntryReference, StringComparer.Ordinal)
            .ToList();
        var booked = opening + transactions.Where(t => t.Status == "booked").Sum(t => t.Amount);
        var available = booked + transactions.Where(t => t.Status == "pending").Sum(t => t.Amount);
        var iban = IbanOf(username, kind);
        return new SandboxAccount(
            iban[^10..] + "-" + kind,
            kind,
            iban,
            name,
            Currency,
            [new SandboxBalance("closingBooked", booked, today), new SandboxBalance("interimAvailable", available, today)],
            transactions);
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static ulong Seed(params string[] parts) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', parts))));

    /// <summary>A transaction as authorised: what it books as, and how many days later.</summary>
    private sealed record Draft(string Prefix, DateOnly Date, int Index, decimal Authorised, decimal Booked, int BookingDelayDays, string Counterparty, string Remittance)
    {
        public static Draft Fixed(string prefix, DateOnly date, int index, decimal amount, string counterparty, string remittance) =>
            new(prefix, date, index, amount, amount, 0, counterparty, remittance);

        public SandboxTransaction ToTransaction(DateOnly today, bool pendingBooked)
        {
            var reference = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Date:yyyyMMdd}{Index:D2}");
            if (Date >= today.AddDays(-1) && !pendingBooked)
            {
                return new SandboxTransaction(reference, "pending", Authorised, Date, Date, Counterparty, Remittance);
            }

            var booking = Date.AddDays(BookingDelayDays);
            return new SandboxTransaction(reference, "booked", Booked, booking > today ? today : booking, Date, Counterparty, Remittance);
        }
    }

    /// <summary>SplitMix64: small, fast and the same on every platform and runtime version (unlike System.Random).</summary>
    private sealed class Dice(ulong seed)
    {
        private ulong state = seed;

        public ulong Next()
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>0 ≤ n &lt; <paramref name="below"/>.</summary>
        public int Int(int below) => (int)(Next() % (ulong)below);

        public decimal Amount(decimal min, decimal max) => Math.Round(min + (max - min) * (Next() % 1_000_000UL) / 1_000_000m, 2);

        public T Pick<T>(IReadOnlyList<T> items) => items[Int(items.Count)];
    }
}
