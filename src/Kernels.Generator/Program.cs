using EquiGrid.Kernels.Generator.SphericalHarmonics;
using EquiGrid.Kernels.Generator.TensorProducts;

// Writes one generated source file, picked by the output's file name.
// Usage: dotnet run --project src/Kernels.Generator -- <output path>
var generators = new Dictionary<string, (string RelativePath, Func<string> Generate)>
{
    [Path.GetFileName(ShPolynomialsFile.RelativePath)] = (ShPolynomialsFile.RelativePath, ShPolynomialsFile.Generate),
    [Path.GetFileName(TpPathKernelsFile.RelativePath)] = (TpPathKernelsFile.RelativePath, TpPathKernelsFile.Generate),
};
if (args.Length != 1 || args[0] is "-h" or "--help" || !generators.ContainsKey(Path.GetFileName(args[0])))
{
    Console.Error.WriteLine("usage: dotnet run --project src/Kernels.Generator -- <output path>; the file name picks what is generated:");
    foreach (var (_, (relative, _)) in generators) Console.Error.WriteLine($"  {relative}");
    return args.Length == 1 && args[0] is "-h" or "--help" ? 0 : 2;
}
var text = generators[Path.GetFileName(args[0])].Generate();
var path = Path.GetFullPath(args[0]);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
File.WriteAllText(path, text);
Console.Error.WriteLine($"wrote {path} ({text.Length:N0} characters)");
return 0;
