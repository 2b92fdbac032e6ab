#include "Confirm.h"

#include <QMessageBox>
#include <QPushButton>

namespace streamscope {

namespace {
ConfirmHook &hook() {
    static ConfirmHook theHook;
    return theHook;
}
} // namespace

ConfirmHook setConfirmHookForTests(ConfirmHook next) {
    ConfirmHook previous = std::move(hook());
    hook() = std::move(next);
    return previous;
}

QMessageBox *makeConfirmBox(QWidget *parent, const QString &title, const QString &text,
                            const QString &actionLabel, bool destructive) {
    auto *box = new QMessageBox(destructive ? QMessageBox::Warning : QMessageBox::Question, title,
                                text, QMessageBox::NoButton, parent);
    box->setObjectName(QStringLiteral("confirmAction"));
    box->setTextFormat(Qt::PlainText);
    QPushButton *act = box->addButton(actionLabel, QMessageBox::AcceptRole);
    act->setObjectName(QStringLiteral("confirmActionButton"));
    QPushButton *cancel = box->addButton(QMessageBox::Cancel);
    box->setEscapeButton(cancel);
    box->setDefaultButton(destructive ? cancel : act);
    return box;
}

bool confirmAction(QWidget *parent, const QString &title, const QString &text,
                   const QString &actionLabel, bool destructive) {
    if (hook())
        return hook()(ConfirmRequest{title, text, actionLabel, destructive});
    QMessageBox *box = makeConfirmBox(parent, title, text, actionLabel, destructive);
    box->exec();
    const bool yes = box->buttonRole(box->clickedButton()) == QMessageBox::AcceptRole;
    delete box;
    return yes;
}

} // namespace streamscope
