"""The references metaeval cites in more than one place (data cards, metric docs, reports).

Each constant is one full reference, written once; modules import the constant instead of
repeating the text.
"""

GSVS_2025 = ("P. A. Bereuter, B. Stahl, M. D. Plumbley, A. Sontacchi, \"Towards Reliable Objective "
             "Evaluation Metrics for Generative Singing Voice Separation Models\", WASPAA 2025, "
             "arXiv:2507.11427.")
CODEC_MUSHRA_2024 = ("B. Stahl, S. Windtner, A. Sontacchi, \"A Bitrate-Scalable Variational "
                     "Recurrent Mel-Spectrogram Coder for Real-Time Resynthesis-Based Speech "
                     "Coding\", IEEE Access 12, pp. 159239-159251, 2024, "
                     "doi:10.1109/ACCESS.2024.3482359.")
WMT_MQM_2021 = ("M. Freitag, G. Foster, D. Grangier, V. Ratnakar, Q. Tan, W. Macherey, \"Experts, "
                "Errors, and Context: A Large-Scale Study of Human Evaluation for Machine "
                "Translation\", TACL 2021, arXiv:2104.14478.")
VINCENT_2006 = ("E. Vincent, R. Gribonval, C. Fevotte, Performance measurement in blind audio "
                "source separation, IEEE TASLP 14(4), 2006.")
LE_ROUX_2019 = ("J. Le Roux, S. Wisdom, H. Erdogan, J. Hershey, SDR - half-baked or well done?, "
                "ICASSP 2019.")
SISEC_2018 = ("F.-R. Stoter, A. Liutkus, N. Ito, The 2018 Signal Separation Evaluation Campaign, "
              "LVA/ICA 2018.")
SCHEIBLER_2022 = ("R. Scheibler, SDR - Medium Rare with Fast Computations, ICASSP 2022 "
                  "(fast_bss_eval).")
MIR_EVAL_2014 = ("C. Raffel, B. McFee, E. J. Humphrey, J. Salamon, O. Nieto, D. Liang, D. P. W. "
                 "Ellis, mir_eval: A Transparent Implementation of Common MIR Metrics, ISMIR 2014.")
AURALOSS_2020 = ("C. J. Steinmetz, J. D. Reiss, auraloss: Audio focused loss functions in PyTorch, "
                 "DMRN+15, 2020.")
