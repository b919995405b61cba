using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace KmsImport.Core.Tests.Model;

/// <summary>
/// The RecommendedAction catalogue: every ErrorId has a next step, and that step is a PowerShell one
/// (a KmsImport cmdlet, or a named PowerShell command), with any aws CLI command after it, never first.
/// </summary>
public class RecommendedActionsTests
{
    /// <summary>PowerShell commands other than the module's that an entry may name as the step.</summary>
    private static readonly string[] OtherPowerShellSteps =
    {
        "Get-Help", "Test-Path", "Get-Location", "Get-ChildItem", "Get-Item", "Get-Acl", "Set-Acl", "New-Item", "Move-Item",
        "Set-Content", "Read-Host", "Get-PSDrive", "Remove-Variable", "ConvertFrom-Json", "Where-Object", "Get-Date",
        "Set-AWSCredential", "Set-DefaultAWSRegion", "Get-AWSCredential", "Enable-KMSKey", "Stop-KMSKeyDeletion", "Get-KMSAliasList",
    };

    private static readonly Regex CommandName = new Regex(@"\b[A-Z][A-Za-z]+-[A-Z][A-Za-z]+\b");

    public static TheoryData<string, string> EveryErrorId()
    {
        var data = new TheoryData<string, string>();
        foreach (var field in typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static))
            if (field.IsLiteral && field.FieldType == typeof(string)) data.Add(field.Name, (string)field.GetRawConstantValue()!);
        return data;
    }

    /// <summary>The cmdlets KmsImport.psd1 exports (the manifest is the source of truth).</summary>
    private static string[] ModuleCmdlets()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "KmsImport.psd1"))) dir = dir.Parent;
        Assert.True(dir != null, "KmsImport.psd1 not found above " + AppContext.BaseDirectory);
        var text = File.ReadAllText(Path.Combine(dir!.FullName, "KmsImport.psd1"));
        var block = Regex.Match(text, @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value;
        var names = Regex.Matches(block, @"'([A-Za-z]+-[A-Za-z]+)'").Cast<Match>().Select(m => m.Groups[1].Value).ToArray();
        Assert.True(names.Length >= 12, "CmdletsToExport was not read from KmsImport.psd1");
        return names;
    }

    [Theory]
    [MemberData(nameof(EveryErrorId))]
    public void Every_ErrorId_has_a_recommended_action(string constant, string errorId)
    {
        var action = RecommendedActions.For(errorId);
        Assert.False(string.IsNullOrWhiteSpace(action),
            $"ErrorIds.{constant} (\"{errorId}\") has no RecommendedAction. Add an entry to the table in "
            + "src/KmsImport.Model/RecommendedActions.cs, in the group of its meaning: "
            + $"[ErrorIds.{constant}] = \"<the KmsImport cmdlet and parameters that fix it, e.g. Protect-KeyMaterial -Path <file>; an aws CLI command may follow>\",");
    }

    [Theory]
    [MemberData(nameof(EveryErrorId))]
    public void Every_recommended_action_leads_with_a_PowerShell_step(string constant, string errorId)
    {
        var action = RecommendedActions.For(errorId) ?? "";
        var allowed = new HashSet<string>(ModuleCmdlets().Concat(OtherPowerShellSteps), StringComparer.OrdinalIgnoreCase);
        var named = CommandName.Matches(action).Cast<Match>().Where(m => allowed.Contains(m.Value)).ToList();
        Assert.True(named.Count > 0,
            $"The RecommendedAction of ErrorIds.{constant} names no KmsImport cmdlet nor PowerShell command: \"{action}\". "
            + "Name the cmdlet and parameters that fix it (src/KmsImport.Model/RecommendedActions.cs).");
        var aws = Regex.Match(action, @"\baws (kms|configure|sso)\b");
        if (aws.Success)
            Assert.True(named[0].Index < aws.Index,
                $"The RecommendedAction of ErrorIds.{constant} names the aws CLI before any PowerShell step: \"{action}\".");
    }

    [Fact]
    public void Module_cmdlets_named_in_the_catalogue_exist()
    {
        // A typo such as Import-KmsMaterial would send users to a command that is not there.
        var cmdlets = new HashSet<string>(ModuleCmdlets(), StringComparer.Ordinal);
        foreach (var id in RecommendedActions.ErrorIdsCovered)
            foreach (Match m in CommandName.Matches(RecommendedActions.For(id)!))
                if (m.Value.Contains("-Kms") || m.Value.EndsWith("-KeyMaterial", StringComparison.Ordinal))
                    Assert.True(cmdlets.Contains(m.Value), $"The RecommendedAction of {id} names {m.Value}, which KmsImport does not export.");
    }

    [Fact]
    public void The_catalogue_covers_only_real_ErrorIds()
    {
        var ids = new HashSet<string>(EveryErrorId().Select(row => (string)row[1]), StringComparer.Ordinal);
        foreach (var id in RecommendedActions.ErrorIdsCovered)
            Assert.True(ids.Contains(id), $"RecommendedActions has an entry for '{id}', which is no ErrorIds constant.");
    }

    [Fact]
    public void An_unknown_ErrorId_has_no_action()
    {
        Assert.Null(RecommendedActions.For("NoSuchErrorId"));
        Assert.Null(RecommendedActions.For(null));
    }
}
