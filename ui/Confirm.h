#pragma once

#include <QString>

#include <functional>

class QMessageBox;
class QWidget;

namespace streamscope {

// The one confirmation of a repair, the same everywhere: the question, and buttons named for
// what they do ("Acknowledge 12 entries" and "Cancel", never Yes/No). A destructive action has
// the warning icon and Cancel as its default button, so Enter never destroys by accident.
bool confirmAction(QWidget *parent, const QString &title, const QString &text,
                   const QString &actionLabel, bool destructive);

// The box confirmAction shows (not shown yet; the caller owns it): for tests and screenshots.
QMessageBox *makeConfirmBox(QWidget *parent, const QString &title, const QString &text,
                            const QString &actionLabel, bool destructive);

// What a confirmation asked, for the test hook below.
struct ConfirmRequest {
    QString title;
    QString text;
    QString actionLabel;
    bool destructive = false;
};
// Tests answer confirmations without a modal box: while a hook is set, confirmAction asks it
// instead. Returns the previous hook; pass {} to show boxes again.
using ConfirmHook = std::function<bool(const ConfirmRequest &request)>;
ConfirmHook setConfirmHookForTests(ConfirmHook hook);

} // namespace streamscope
