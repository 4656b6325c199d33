using System.Runtime.CompilerServices;

// ILGPU compiles kernels into a dynamic assembly named "ILGPURuntime"; kernels take internal table structs as
// parameters, which that assembly must be allowed to see.
[assembly: InternalsVisibleTo("ILGPURuntime")]
