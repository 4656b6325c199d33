using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace EquiGrid.Grains;

/// <summary>
/// How grain calls and grain state carry the shared contracts (src/Contracts: trial spec, progress, result, checkpoint
/// references). The contracts project stays free of Orleans, so its records have no generated codecs; Orleans'
/// System.Text.Json codec serialises them with <see cref="ContractJson.Options"/>, the same JSON the child process
/// and result.json use. One wire format for a trial everywhere, and its field names are the contract.
/// Every silo and client registers it (SiloSetup, the CLI's connection, the test hosts).
/// </summary>
public static class ContractsSerialization
{
    /// <summary>Registers the codec for the contract records.</summary>
    public static IServiceCollection AddContractsSerialization(this IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(IsContract, ContractJson.Options));

    /// <summary>True for the contract records (not their exception type, which Orleans' exception codec carries).</summary>
    public static bool IsContract(Type type) =>
        type.Assembly == typeof(TrialSpec).Assembly && type.Namespace == typeof(TrialSpec).Namespace
        && !typeof(Exception).IsAssignableFrom(type) && !type.IsInterface && !type.IsAbstract;
}
