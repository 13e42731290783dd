using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>Where a consent or a payment stands at the bank, read from its status.</summary>
public enum ResourceState
{
    /// <summary>SCA is done: the consent is valid, the payment accepted.</summary>
    Authorised,

    /// <summary>The bank waits for the user.</summary>
    Pending,

    /// <summary>Refused, expired, rejected or cancelled: the step fails with <see cref="ResourceStatus.Code"/>.</summary>
    Failed,
}

public sealed record ResourceStatus(ResourceState State, string Status, string? Code = null, string? Message = null);

/// <summary>A consent or a payment just created at the bank: its path, the SCA part of the answer, and the step's result so far.</summary>
public sealed record Created(string Resource, string BankId, ScaResponse Answer, string? ScaApproachHeader, Dictionary<string, object?> Result);

/// <summary>The names the steps' results use.</summary>
public static class ResultFields
{
    public const string ScaApproach = "sca_approach";
    public const string ScaStatus = "sca_status";
    public const string AuthorisationId = "authorisation_id";

    public static string? Read(JsonElement? result, string name) =>
        result is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A result as a dictionary again, to change some of its fields.</summary>
    public static Dictionary<string, object?> Copy(JsonElement? result) => result is { ValueKind: JsonValueKind.Object } r
        ? r.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
        : [];
}

/// <summary>
/// The first step of both skills: creates the consent or the payment at the bank, then starts its SCA the way the bank's answer
/// says (<c>_links</c>): REDIRECT (<c>scaRedirect</c>, or an explicit start that returns one) is ACTION_REQUIRED until the bank sends
/// the user back (<see cref="BankCallback"/>), then the status is read; DECOUPLED (<c>startAuthorisationWithPsuIdentification</c>)
/// is ACTION_REQUIRED while the status is polled with backoff; EMBEDDED (<c>startAuthorisationWithPsuAuthentication</c>) sends the
/// password, selects the SCA method and completes with the challenge, answered in the confirm step. Every polling ends: after
/// <see cref="BerlinGroupOptions.MaxPolls"/> polls, or <see cref="BerlinGroupOptions.RedirectTimeout"/> after a redirect, the step
/// fails SCA_TIMEOUT.
/// </summary>
public abstract partial class ScaStepHandler(Banks banks, CallbackUrls callbacks, ILogger logger) : IStepHandler, IStepFollowUp
{
    public const string RedirectPhase = "redirect";
    public const string PollPhase = "poll";

    protected Banks Banks => banks;

    /// <summary>Creates the consent or payment (the step's data was validated against its schema).</summary>
    protected abstract Task<Created> CreateAsync(StepContext step, BankClient bank, BankHeaders headers, CancellationToken cancellationToken);

    protected abstract Task<ResourceStatus> StatusAsync(StepContext step, BankClient bank, string resource, CancellationToken cancellationToken);

    /// <summary>The result field that holds the bank's id of the resource, and the one that holds its status.</summary>
    protected abstract (string Id, string Status) Fields { get; }

    /// <summary>A status was read: a payment publishes it when it changed.</summary>
    protected virtual void Observed(StepContext step, JsonElement? result, ResourceStatus status)
    {
    }

    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var bank = banks.For(step.Skill);
        if (bank.Options.PsuIdRequired && step.DataString("psu_id") is null)
        {
            return StepOutcome.Failed("PSU_ID_REQUIRED", "This bank needs the user's login (psu_id) to start.");
        }

        return await BankStep.RunAsync(async () =>
        {
            var (ok, nok) = callbacks.For(step.StepId);
            var preferred = step.DataString("sca_approach");
            var created = await CreateAsync(step, bank, Headers(step, bank) with
            {
                RequestId = BankHeaders.StableRequestId(step.StepId, "create"),
                RedirectUri = ok,
                NokRedirectUri = nok,
                RedirectPreferred = preferred is null ? null : preferred == "REDIRECT",
                DecoupledPreferred = preferred is null ? null : preferred == "DECOUPLED",
            }, cancellationToken);
            return await StartScaAsync(step, bank, created, cancellationToken);
        });
    }

    public async Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken)
    {
        var current = step.CurrentOutcome!;
        if (current.Outcome != StepOutcomes.ActionRequired)
        {
            return null;
        }

        var phase = state is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("phase", out var p) ? p.GetString() : null;
        var attempt = state is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty("attempt", out var n) && n.TryGetInt32(out var i) ? i : 1;
        var bank = banks.For(step.Skill);
        return await BankStep.RunAsync(async () =>
        {
            ResourceStatus status;
            try
            {
                status = await ReadStatusAsync(step, bank, current.Result, cancellationToken);
            }
            catch (BankUnavailableException ex) when (phase == PollPhase && attempt < banks.Options.MaxPolls)
            {
                LogPollFailed(logger, step.StepId, attempt, ex.Message);
                status = new ResourceStatus(ResourceState.Pending, ResultFields.Read(current.Result, Fields.Status) ?? "");
            }

            if (status.State != ResourceState.Pending)
            {
                return Decided(step, current.Result, status);
            }

            if (phase == RedirectPhase || attempt >= banks.Options.MaxPolls)
            {
                return StepOutcome.Failed("SCA_TIMEOUT", phase == RedirectPhase
                    ? "The user did not come back from the bank's page in time; the bank has not authorised the request."
                    : $"The bank did not report the approval after {attempt} status polls (last status {status.Status}).");
            }

            return new StepOutcome(StepOutcomes.ActionRequired, current.Result, current.Action, null)
                .ThenFollowUp(PollDelay(attempt + 1), new { Phase = PollPhase, Attempt = attempt + 1 });
        });
    }

    /// <summary>The bank sent the user back (<paramref name="ok"/>: to TPP-Redirect-URI, else to TPP-Nok-Redirect-URI): the status decides.</summary>
    public async Task<StepOutcome?> ReturnedAsync(StepContext step, bool ok, CancellationToken cancellationToken)
    {
        var current = step.CurrentOutcome;
        if (current is null || current.Outcome != StepOutcomes.ActionRequired)
        {
            return null;
        }

        var bank = banks.For(step.Skill);
        return await BankStep.RunAsync(async () =>
        {
            var status = await ReadStatusAsync(step, bank, current.Result, cancellationToken);
            return status.State switch
            {
                ResourceState.Pending when ok => StepOutcome.Failed("SCA_NOT_FINISHED",
                    $"The bank sent the user back, but the request is still {status.Status} at the bank."),
                ResourceState.Pending => StepOutcome.Failed("SCA_DENIED", "The user did not authorise the request at the bank."),
                _ => Decided(step, current.Result, status),
            };
        });
    }

    /// <summary>The headers of every request of a step: the user's IP address and login (given in the first step, kept in its result).</summary>
    public static BankHeaders Headers(StepContext step, BankClient bank) => new()
    {
        PsuIpAddress = step.DataString("psu_ip_address") ?? bank.Options.DefaultPsuIpAddress,
        PsuId = step.DataString("psu_id") ?? step.Command.PreviousResults.Values.Select(r => ResultFields.Read(r, "psu_id")).FirstOrDefault(v => v is not null),
    };

    private async Task<ResourceStatus> ReadStatusAsync(StepContext step, BankClient bank, JsonElement? result, CancellationToken cancellationToken)
    {
        var bankId = ResultFields.Read(result, Fields.Id) ?? throw new InvalidOperationException($"The step's result has no {Fields.Id}.");
        var status = await StatusAsync(step, bank, bankId, cancellationToken);
        Observed(step, result, status);
        return status;
    }

    private StepOutcome Decided(StepContext step, JsonElement? result, ResourceStatus status)
    {
        var decided = ResultFields.Copy(result);
        decided[Fields.Status] = status.Status;
        if (status.State == ResourceState.Failed)
        {
            return StepOutcome.Failed(status.Code!, status.Message!) with { Result = StepOutcome.ToJson(decided) };
        }

        decided[ResultFields.ScaStatus] = "finalised";
        return StepOutcome.Completed(decided);
    }

    private TimeSpan PollDelay(int attempt)
    {
        var options = banks.Options;
        var delay = options.PollInterval * Math.Pow(1.5, attempt - 1);
        return delay > options.MaxPollInterval ? options.MaxPollInterval : delay;
    }

    private async Task<StepOutcome> StartScaAsync(StepContext step, BankClient bank, Created created, CancellationToken cancellationToken)
    {
        var answer = created.Answer;
        var result = created.Result;
        if (answer.Link("scaRedirect") is { } redirect)
        {
            return Redirect(result, redirect);
        }

        var headers = Headers(step, bank);
        if (answer.Link("startAuthorisationWithPsuAuthentication") is not null || answer.Link("startAuthorisationWithEncryptedPsuAuthentication") is not null)
        {
            return await EmbeddedAsync(step, bank, created, null, headers, cancellationToken);
        }

        if (answer.Link("startAuthorisationWithPsuIdentification") is not null || answer.Link("startAuthorisation") is not null)
        {
            var (ok, nok) = callbacks.For(step.StepId);
            var started = await bank.StartAuthorisationAsync(created.Resource, null, headers with
            {
                RequestId = BankHeaders.StableRequestId(step.StepId, "authorise"), RedirectUri = ok, NokRedirectUri = nok,
            }, cancellationToken);
            result[ResultFields.AuthorisationId] = started.Body.AuthorisationId;
            if (started.Body.Link("scaRedirect") is { } startedRedirect)
            {
                return Redirect(result, startedRedirect);
            }

            // The links decide, not ASPSP-SCA-Approach: a bank (and the specification's examples) may send a header that its body contradicts.
            if (started.Body.Link("updatePsuAuthentication") is not null || started.Body.Link("updateEncryptedPsuAuthentication") is not null)
            {
                return await EmbeddedAsync(step, bank, created, started.Body, headers, cancellationToken);
            }

            return Decoupled(result, started.Body.PsuMessage ?? answer.PsuMessage);
        }

        if (answer.Link("scaOAuth") is not null)
        {
            return StepOutcome.Failed("SCA_APPROACH_NOT_SUPPORTED", "The bank asks for its OAuth2 SCA approach, which this connector does not support yet.");
        }

        if (created.ScaApproachHeader == "DECOUPLED" || answer.Link("scaStatus") is not null)
        {
            return Decoupled(result, answer.PsuMessage);
        }

        // No SCA asked for (an exemption): the status says whether the request is through.
        var status = await StatusAsync(step, bank, created.BankId, cancellationToken);
        return status.State == ResourceState.Pending
            ? StepOutcome.Failed(BankCodes.ResponseInvalid, "The bank's answer has no link to start the SCA and the request is not authorised.")
            : Decided(step, StepOutcome.ToJson(result), status);
    }

    private StepOutcome Redirect(Dictionary<string, object?> result, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var page) || page.Scheme is not ("https" or "http"))
        {
            throw new BankResponseInvalidException("The bank's scaRedirect link is not an absolute http(s) URL.");
        }

        result[ResultFields.ScaApproach] = "REDIRECT";
        result[ResultFields.ScaStatus] = "started";
        return StepOutcome.Redirect(page.AbsoluteUri, result).ThenFollowUp(banks.Options.RedirectTimeout, new { Phase = RedirectPhase });
    }

    private StepOutcome Decoupled(Dictionary<string, object?> result, string? psuMessage)
    {
        result[ResultFields.ScaApproach] = "DECOUPLED";
        result[ResultFields.ScaStatus] = "started";
        var instruction = psuMessage is { Length: > 0 } message ? BankCodes.Clip(message, 500) : "Approve the request in your bank's app.";
        return StepOutcome.Decoupled(instruction, result).ThenFollowUp(PollDelay(1), new { Phase = PollPhase, Attempt = 1 });
    }

    /// <summary>EMBEDDED: the password (started without it: through PUT), then the SCA method; completes with the challenge.</summary>
    private static async Task<StepOutcome> EmbeddedAsync(
        StepContext step, BankClient bank, Created created, ScaResponse? started, BankHeaders headers, CancellationToken cancellationToken)
    {
        var result = created.Result;
        result[ResultFields.ScaApproach] = "EMBEDDED";
        if (step.DataString("password") is not { } password)
        {
            return StepOutcome.Failed("PASSWORD_REQUIRED", "The bank authenticates the user in the embedded approach: send the user's password as data.password.")
                with { Result = StepOutcome.ToJson(result) };
        }

        var psuData = new { PsuData = new { Password = password } };
        var answer = started is null
            ? (await bank.StartAuthorisationAsync(created.Resource, psuData, headers with { RequestId = BankHeaders.StableRequestId(step.StepId, "authorise") }, cancellationToken)).Body
            : (await bank.UpdatePsuDataAsync(created.Resource, AuthorisationId(started), psuData, headers, cancellationToken)).Body;
        var authorisationId = AuthorisationId(answer, started);
        result[ResultFields.AuthorisationId] = authorisationId;
        if (answer.ChosenScaMethod is null && answer.ScaMethods is { Count: > 0 } methods && !IsFinal(answer.ScaStatus))
        {
            var wanted = step.DataString("sca_method_id");
            var method = methods.FirstOrDefault(m => m.AuthenticationMethodId == wanted) ?? methods[0];
            var chosen = BankClient.Required(method.AuthenticationMethodId, "scaMethods[].authenticationMethodId");
            var selected = (await bank.UpdatePsuDataAsync(created.Resource, authorisationId, new { AuthenticationMethodId = chosen }, headers, cancellationToken)).Body;
            answer = selected with { ChosenScaMethod = selected.ChosenScaMethod ?? method, ScaMethods = methods };
        }

        result[ResultFields.ScaStatus] = answer.ScaStatus;
        result["sca_methods"] = answer.ScaMethods?.Select(Method).ToList();
        result["chosen_sca_method"] = answer.ChosenScaMethod is { } c ? Method(c) : null;
        result["challenge"] = answer.ChallengeData is { } challenge
            ? new Dictionary<string, object?>
            {
                ["otp_format"] = challenge.OtpFormat,
                ["otp_max_length"] = challenge.OtpMaxLength?.ToString(),
                ["additional_information"] = challenge.AdditionalInformation,
                ["data"] = challenge.Data,
                ["image_link"] = challenge.ImageLink,
            }
            : null;
        return answer.ScaStatus switch
        {
            "failed" => StepOutcome.Failed("INVALID_CREDENTIALS", "The bank did not authenticate the user.") with { Result = StepOutcome.ToJson(result) },
            _ when IsFinal(answer.ScaStatus) || answer.ChosenScaMethod is not null || answer.ScaStatus is "scaMethodSelected" => StepOutcome.Completed(result),
            _ => throw new BankResponseInvalidException($"The bank's embedded SCA answer has neither an SCA method nor a final scaStatus ({answer.ScaStatus})."),
        };
    }

    /// <summary>finalised or exempted: nothing more to do for SCA.</summary>
    public static bool IsFinal(string? scaStatus) => scaStatus is "finalised" or "exempted";

    private static Dictionary<string, object?> Method(AuthenticationObject method) => new()
    {
        ["authentication_method_id"] = method.AuthenticationMethodId,
        ["authentication_type"] = method.AuthenticationType,
        ["name"] = method.Name,
    };

    private static string AuthorisationId(ScaResponse answer, ScaResponse? earlier = null) =>
        answer.AuthorisationId ?? earlier?.AuthorisationId
        ?? new[] { "scaStatus", "selectAuthenticationMethod", "authoriseTransaction", "updatePsuAuthentication" }
            .Select(answer.Link).FirstOrDefault(l => l is not null)?.TrimEnd('/').Split('/')[^1]
        ?? throw new BankResponseInvalidException("The bank's answer names no authorisation (authorisationId).");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {StepId}: status poll {Attempt} could not reach the bank, polling on: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, Guid stepId, int attempt, string reason);
}

/// <summary>Runs a step's work at the bank: the bank's refusals and answers that are not NextGenPSD2 fail the step with a code.</summary>
public static class BankStep
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> work) where T : class?
    {
        try
        {
            return await work();
        }
        catch (BankRefusedException ex)
        {
            return (T)(object)StepOutcome.Failed(ex.Code, ex.Message);
        }
        catch (BankResponseInvalidException ex)
        {
            return (T)(object)StepOutcome.Failed(BankCodes.ResponseInvalid, ex.Message);
        }
    }

    /// <summary>The embedded approach's OTP (<c>scaAuthenticationData</c>), when the first step left SCA to the confirm step; null when SCA is done.</summary>
    public static async Task<StepOutcome?> FinishEmbeddedAsync(StepContext step, BankClient bank, string resource, JsonElement first, CancellationToken cancellationToken)
    {
        if (ResultFields.Read(first, ResultFields.ScaApproach) != "EMBEDDED" || ScaStepHandler.IsFinal(ResultFields.Read(first, ResultFields.ScaStatus)))
        {
            return null;
        }

        if (step.DataString("otp") is not { } otp)
        {
            return StepOutcome.Failed("OTP_REQUIRED", "Send the code the bank sent the user (the challenge of the first step) as data.otp.");
        }

        var authorisationId = ResultFields.Read(first, ResultFields.AuthorisationId)!;
        var answer = await bank.UpdatePsuDataAsync(resource, authorisationId, new { ScaAuthenticationData = otp }, ScaStepHandler.Headers(step, bank), cancellationToken);
        return answer.Body.ScaStatus switch
        {
            "finalised" or "exempted" => null,
            "failed" => StepOutcome.Failed("INVALID_OTP", "The bank did not accept the code."),
            var other => StepOutcome.Failed("SCA_NOT_FINISHED", $"The bank's SCA is {other ?? "unknown"} after the code."),
        };
    }
}
