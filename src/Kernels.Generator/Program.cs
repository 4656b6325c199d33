using EquiGrid.Kernels.Generator.SphericalHarmonics;

// Writes the generated spherical-harmonic source. Usage: dotnet run --project src/Kernels.Generator -- <output path>
if (args.Length != 1 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine($"usage: dotnet run --project src/Kernels.Generator -- <output path>   (normally {ShPolynomialsFile.RelativePath})");
    return args.Length == 1 ? 0 : 2;
}
var text = ShPolynomialsFile.Generate();
var path = Path.GetFullPath(args[0]);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
File.WriteAllText(path, text);
Console.Error.WriteLine($"wrote {path} ({text.Length:N0} characters)");
return 0;
