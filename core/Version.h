#pragma once

#include <QString>

namespace streamscope {

// What every executable prints for --version: "0.1.0 (git 5279a67)", the commit the build was
// made from (uncommitted changes are not marked), "git unknown" when built without git. One
// function, so that every executable says the same.
QString streamscopeVersion();
// The commit alone: "5279a67", or "unknown".
QString streamscopeCommit();
// "streamscope-cli 0.1.0 (git 5279a67)\n": the whole --version output of `program`.
QString versionLine(const QString &program);

// Where the installed shop's services are, relative to the directory of the streamscope
// executable ("../libexec/streamscope"): from the install layout CMake was given.
QString servicesDirFromBin();

} // namespace streamscope
