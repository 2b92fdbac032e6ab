#pragma once

#include "Trim.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace streamscope {

class GroupActions;

// XTRIM with a preview: before anything is removed it shows how many entries would go and, in
// red, which consumer groups would lose entries they have not been delivered yet.
class TrimDialog : public QDialog {
    Q_OBJECT
public:
    TrimDialog(GroupActions *requests, QByteArray stream, bool readOnly, QWidget *parent = nullptr);

    // Checks the form; nothing is sent when it is wrong (the reason is shown).
    std::optional<TrimSpec> spec();
    void preview();
    void trim();
    QString previewText() const;
    QString errorText() const;
    bool canTrim() const;
    QLineEdit *valueEdit() const { return m_value; }
    QComboBox *modeBox() const { return m_mode; }
    QCheckBox *approximateBox() const { return m_approximate; }
    std::function<bool(const QString &)> confirm;

Q_SIGNALS:
    void trimmed(bool ok, const QString &message);

private:
    GroupActions *m_requests;
    QByteArray m_stream;
    bool m_readOnly;
    int m_request = 0;
    std::optional<TrimSpec> m_previewed;
    QComboBox *m_mode;
    QLineEdit *m_value;
    QCheckBox *m_approximate;
    QLabel *m_preview;
    QLabel *m_error;
    QPushButton *m_trim;
};

} // namespace streamscope
