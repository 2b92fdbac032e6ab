#pragma once

#include "Error.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace streamscope {

// A line typed in the console split into a command's arguments as redis-cli splits it
// (sdssplitargs), so what works in a terminal works here:
//   SET greeting "hello world"        -> SET, greeting, hello world
//   SET k "a\tb\x00c"                 -> escapes in double quotes: \n \r \t \b \a \\ \" \xHH
//                                        (any other escaped character stands for itself)
//   SET k 'it\'s'                     -> single quotes take everything literally but \'
//   SET k ""                          -> an empty argument
//   SET k"ey" v                       -> a quote may start inside a word: k + ey
// The text is sent as UTF-8. An unclosed quote, or a closing quote followed by anything but a
// space, is an InvalidArgument error whose message starts "Invalid argument(s)" (redis-cli's
// words) and says what to fix. A blank line gives no arguments.
Result<QList<QByteArray>> splitCommandLine(const QString &line);

} // namespace streamscope
